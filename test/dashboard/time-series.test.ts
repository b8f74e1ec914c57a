import { describe, expect, it } from 'vitest';
import { formatAge, formatPercent, formatUsd } from '../../dashboard/src/format';
import { palette, seriesStyle } from '../../dashboard/src/palette';
import {
  bucketStarts,
  chooseBucket,
  fieldSeries,
  hasData,
  pointCount,
  splitSeries,
} from '../../dashboard/src/time-series';

const minute = 60_000;
const hour = 3_600_000;

describe('chooseBucket', () => {
  it.each([
    [hour, 'minute'],
    [2 * hour, 'minute'],
    [6 * hour, '5min'],
    [24 * hour, '15min'],
    [7 * 24 * hour, 'hour'],
    [30 * 24 * hour, 'day'],
    [3650 * 24 * hour, 'day'],
  ])('draws %i ms by the %s', (rangeMs, name) => {
    expect(chooseBucket(rangeMs).name).toBe(name);
  });
});

describe('bucketStarts', () => {
  it('covers the range from the bucket holding its start, aligned to the bucket size', () => {
    expect(bucketStarts(90_000, 240_000, minute)).toEqual([60_000, 120_000, 180_000]);
    expect(bucketStarts(0, 0, minute)).toEqual([]);
  });
});

describe('fieldSeries', () => {
  const starts = [0, minute, 2 * minute];
  const rows = [
    { bucket_ms: 0, requests: 3, cache_hit_rate: 0.5 },
    { bucket_ms: 2 * minute, requests: '2', cache_hit_rate: null },
  ];

  it('fills a bucket without a row with zero for counts and a gap for rates', () => {
    const columns = fieldSeries(rows, starts, [
      { key: 'requests', label: 'requests', empty: 0 },
      { key: 'cache_hit_rate', label: 'hit rate', empty: null },
    ]);
    expect(columns).toEqual({
      x: [0, 60, 120],
      series: [
        { label: 'requests', values: [3, 0, 2] },
        { label: 'hit rate', values: [0.5, null, null] },
      ],
    });
    // The zero filled in for the quiet bucket is not a measurement.
    expect(pointCount(columns)).toBe(3);
  });
});

describe('splitSeries', () => {
  it('makes one series per model, sorted so colours stay put, with gaps where a model was silent', () => {
    const rows = [
      { bucket_ms: minute, model: 'zeta', p50: 40 },
      { bucket_ms: 0, model: 'alpha', p50: 10 },
      { bucket_ms: minute, model: 'alpha', p50: 12 },
    ];
    expect(splitSeries(rows, [0, minute], 'model', 'p50', null, ' p50')).toEqual({
      x: [0, 60],
      series: [
        { label: 'alpha p50', values: [10, 12] },
        { label: 'zeta p50', values: [null, 40] },
      ],
    });
  });

  it('has nothing to draw without rows', () => {
    const columns = splitSeries([], [0, minute], 'tier', 'requests', 0);
    expect(columns.series).toEqual([]);
    expect(pointCount(columns)).toBe(0);
    expect(hasData([])).toBe(false);
    expect(hasData([{ requests: 1 }])).toBe(true);
  });
});

describe('formatting', () => {
  it.each([
    [400, '0.4 s'],
    [12_300, '12 s'],
    [600_000, '10 min'],
    [10_800_000, '3 h'],
  ])('a heartbeat %i ms old reads %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });

  it.each([
    [0, '$0.00'],
    [0.0123, '$0.0123'],
    [12.345, '$12.35'],
    [null, '—'],
    ['x', '—'],
  ])('%s dollars reads %s', (value, text) => {
    expect(formatUsd(value)).toBe(text);
  });

  it('writes rates as percentages and unknown ones as a dash', () => {
    expect(formatPercent(0.256)).toBe('26 %');
    expect(formatPercent(0.256, 1)).toBe('25.6 %');
    expect(formatPercent(null)).toBe('—');
  });
});

describe('palette', () => {
  it('gives every series a distinct colour, then a dash once the colours run out', () => {
    const styles = Array.from({ length: palette.length + 1 }, (_, i) => seriesStyle(i));
    expect(new Set(styles.slice(0, palette.length).map((s) => s.stroke)).size).toBe(palette.length);
    expect(styles[palette.length]).toEqual({ stroke: palette[0], dash: [6, 4] });
  });
});
