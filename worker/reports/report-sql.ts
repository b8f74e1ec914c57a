/** Small SQL pieces shared by the reports. Every value is a checked number; no string is spliced. */

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

export function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

/** `created_at_ms` of the given table alias inside the half-open range [from, to). */
export function inRange(alias: string, range: TimeRange): string {
  if (range.toMs < range.fromMs) throw new Error('the range ends before it starts');
  return `${alias}.created_at_ms >= ${integer(range.fromMs)} AND ${alias}.created_at_ms < ${integer(range.toMs)}`;
}

/** Grouping expressions over usage_events `u` (and api_keys `k`, joined on the key id). */
export const usageGroups = {
  model: `COALESCE(u.served_model, u.requested_model, '(none)')`,
  key: `COALESCE(k.name || ' ' || k.key_prefix || '…', u.key_id, '(no key)')`,
  tenant: `COALESCE(u.tenant_id, '(no tenant)')`,
  tag: `COALESCE(u.tag, '(untagged)')`,
  day: `strftime('%Y-%m-%d', u.created_at_ms / 1000, 'unixepoch')`,
  /** The routed tier that answered (`auto` requests); other requests are one group. */
  tier: `COALESCE(u.route_tier, '(not routed)')`,
} as const;
export type UsageGroup = keyof typeof usageGroups;

/** Errors by class over usage_events rows (RELIABILITY O3), as aggregate columns. */
export const errorClassColumns = `SUM(status <> 'ok') AS errors,
       SUM(status = 'client_error' AND rate_limited IS NULL) AS client_errors,
       SUM(status = 'auth_error') AS auth_errors,
       SUM(rate_limited IS NOT NULL) AS rate_limited,
       SUM(status IN ('upstream_error', 'upstream_unavailable', 'midstream_error')) AS upstream_errors,
       SUM(status = 'client_cancelled') AS cancelled`;

/**
 * Nearest-rank percentiles of latency and TTFT per `partition` (the smallest value whose rank
 * reaches p × n): `percentileWindows` are the window columns of a CTE over usage_events `u`,
 * `percentileColumns` the aggregates over that CTE. SQLite has no percentile function.
 */
export function percentileWindows(partition: string): string {
  return `ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY u.latency_ms) AS lat_rank,
         COUNT(*) OVER (PARTITION BY ${partition}) AS n,
         ROW_NUMBER() OVER (PARTITION BY ${partition}, u.ttft_ms IS NULL ORDER BY u.ttft_ms) AS ttft_rank,
         COUNT(u.ttft_ms) OVER (PARTITION BY ${partition}) AS ttft_n`;
}

export const percentileColumns = `MIN(CASE WHEN lat_rank >= 0.50 * n THEN latency_ms END) AS p50_latency_ms,
       MIN(CASE WHEN lat_rank >= 0.95 * n THEN latency_ms END) AS p95_latency_ms,
       MIN(CASE WHEN ttft_ms IS NOT NULL AND ttft_rank >= 0.50 * ttft_n THEN ttft_ms END) AS p50_ttft_ms,
       MIN(CASE WHEN ttft_ms IS NOT NULL AND ttft_rank >= 0.95 * ttft_n THEN ttft_ms END) AS p95_ttft_ms`;

/** Time buckets of the time-series reports, by name, in milliseconds. */
export const timeBuckets = {
  minute: 60_000,
  '5min': 300_000,
  '15min': 900_000,
  hour: 3_600_000,
  day: 86_400_000,
} as const;
export type TimeBucket = keyof typeof timeBuckets;

/**
 * The start of the row's bucket (UTC epoch ms, integer division) and the same as ISO 8601 text,
 * so a terminal table reads well and a chart gets a number.
 */
export function bucketColumns(bucket: TimeBucket): { ms: string; label: string } {
  const ms = `(u.created_at_ms / ${integer(timeBuckets[bucket])}) * ${integer(timeBuckets[bucket])}`;
  return { ms, label: `strftime('%Y-%m-%dT%H:%M:%SZ', ${ms} / 1000, 'unixepoch')` };
}
