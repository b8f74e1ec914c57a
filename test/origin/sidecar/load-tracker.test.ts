import { describe, expect, it } from 'vitest';
import {
  initialLoadTracker,
  trackLoad,
  type LoadTracker,
} from '../../../origin/sidecar/load-tracker';
import type { EngineMetricsSample } from '../../../origin/sidecar/metrics-parser';

const after = (samples: [EngineMetricsSample | undefined, number][]): LoadTracker =>
  samples.reduce((tracker, [sample, atMs]) => trackLoad(tracker, sample, atMs), initialLoadTracker);

describe('trackLoad', () => {
  it.each<[string, [EngineMetricsSample | undefined, number][], Partial<LoadTracker['load']>]>([
    [
      'no rate from a single scrape',
      [[{ generationTokensTotal: 500 }, 1_000]],
      { tokensPerSecond: 0 },
    ],
    [
      'the counter increase per second',
      [
        [{ generationTokensTotal: 100 }, 1_000],
        [{ generationTokensTotal: 300 }, 1_500],
      ],
      { tokensPerSecond: 400 },
    ],
    [
      'after a counter reset, the new value as the increase',
      [
        [{ generationTokensTotal: 900 }, 1_000],
        [{ generationTokensTotal: 30 }, 2_000],
      ],
      { tokensPerSecond: 30 },
    ],
    [
      'the last values after a failed scrape',
      [
        [{ running: 4, waiting: 2, kvCacheUsage: 0.5, generationTokensTotal: 0 }, 1_000],
        [{ generationTokensTotal: 50 }, 2_000],
        [undefined, 3_000],
      ],
      { running: 4, waiting: 2, kvCacheUsage: 0.5, tokensPerSecond: 50 },
    ],
    [
      'the rate over the whole gap when a scrape failed in between',
      [
        [{ generationTokensTotal: 0 }, 1_000],
        [undefined, 2_000],
        [{ generationTokensTotal: 100 }, 3_000],
      ],
      { tokensPerSecond: 50 },
    ],
    [
      'new gauges when they arrive',
      [
        [{ running: 4 }, 1_000],
        [{ running: 1, waiting: 3 }, 2_000],
      ],
      { running: 1, waiting: 3 },
    ],
    [
      'the prefix-cache hit ratio since the engine started, kept through a scrape without it',
      [
        [{ prefixCacheQueriesTotal: 1_000, prefixCacheHitsTotal: 250 }, 1_000],
        [{ running: 1 }, 2_000],
      ],
      { prefixCacheHitRatio: 0.25 },
    ],
  ])('reports %s', (_name, samples, expected) => {
    expect(after(samples).load).toMatchObject(expected);
  });
});
