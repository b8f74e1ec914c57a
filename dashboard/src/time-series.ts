/**
 * Turns report rows (one per bucket, or per bucket and model/tier) into the column arrays a chart
 * draws. Pure: the dashboard's DOM code calls these, the tests call them with tables.
 */

export type Row = Record<string, unknown>;

/** Bucket sizes the reports accept (worker/reports/report-sql.ts `timeBuckets`), smallest first. */
export const bucketSizes = [
  { name: 'minute', ms: 60_000 },
  { name: '5min', ms: 300_000 },
  { name: '15min', ms: 900_000 },
  { name: 'hour', ms: 3_600_000 },
  { name: 'day', ms: 86_400_000 },
] as const;
export type BucketSize = (typeof bucketSizes)[number];

/** The smallest bucket that draws the range in at most `maxPoints` points (a few pixels each on a card). */
export function chooseBucket(rangeMs: number, maxPoints = 200): BucketSize {
  return (
    bucketSizes.find((b) => rangeMs / b.ms <= maxPoints) ?? bucketSizes[bucketSizes.length - 1]!
  );
}

/** Every bucket start from the one holding `fromMs` up to the one holding `toMs - 1`. */
export function bucketStarts(fromMs: number, toMs: number, bucketMs: number): number[] {
  const starts: number[] = [];
  for (let t = Math.floor(fromMs / bucketMs) * bucketMs; t < toMs; t += bucketMs) starts.push(t);
  return starts;
}

function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export interface Columns {
  /** Bucket starts in seconds (uPlot's time scale). */
  x: number[];
  series: { label: string; values: (number | null)[] }[];
}

/**
 * One series per field, over every bucket of the range. A bucket without a row holds `empty`:
 * zero for counts (no requests is a fact), null for rates and percentiles (unknown, a gap).
 */
export function fieldSeries(
  rows: readonly Row[],
  starts: readonly number[],
  fields: readonly { key: string; label: string; empty: 0 | null }[],
): Columns {
  const byBucket = new Map(rows.map((r) => [Number(r.bucket_ms), r]));
  return {
    x: starts.map((t) => t / 1000),
    series: fields.map((f) => ({
      label: f.label,
      values: starts.map((t) => {
        const row = byBucket.get(t);
        return row === undefined ? f.empty : numberOrNull(row[f.key]);
      }),
    })),
  };
}

/**
 * One series per value of `splitBy` (a model, a tier), for the field `key`; labels sorted so a
 * series keeps its colour from one refresh to the next.
 */
export function splitSeries(
  rows: readonly Row[],
  starts: readonly number[],
  splitBy: string,
  key: string,
  empty: 0 | null,
  labelSuffix = '',
): Columns {
  const names = [...new Set(rows.map((r) => String(r[splitBy])))].sort();
  const cells = new Map(rows.map((r) => [`${String(r[splitBy])}\u0000${Number(r.bucket_ms)}`, r]));
  return {
    x: starts.map((t) => t / 1000),
    series: names.map((name) => ({
      label: `${name}${labelSuffix}`,
      values: starts.map((t) => {
        const row = cells.get(`${name}\u0000${t}`);
        return row === undefined ? empty : numberOrNull(row[key]);
      }),
    })),
  };
}

/** Points that carry a measurement: not a gap and not a zero filled in for a quiet bucket. */
export function pointCount(columns: Columns): number {
  return columns.series.reduce(
    (n, s) => n + s.values.filter((v) => v !== null && v !== 0).length,
    0,
  );
}

/** Whether the rows hold any traffic at all: an empty state replaces a flat line at zero. */
export function hasData(rows: readonly Row[]): boolean {
  return rows.some((r) => Number(r.requests ?? 0) > 0);
}
