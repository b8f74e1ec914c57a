import { listPriceUsd } from './cost-report';
import {
  bucketColumns,
  errorClassColumns,
  inRange,
  percentileColumns,
  percentileWindows,
  timeBuckets,
  type TimeBucket,
  type TimeRange,
} from './report-sql';

/**
 * The dashboard's charts, as reports over time: one row per bucket that has usage (buckets with
 * none are left out; a chart fills them with zeros). Each is one SQL statement, so
 * `npm run report -- traffic --by hour` prints what the dashboard draws.
 */

/** Requests, tokens, cache hits and hit rate, and errors by class per bucket. */
export function trafficReportSql(bucket: TimeBucket, range: TimeRange): string {
  const b = bucketColumns(bucket);
  return `SELECT ${b.label} AS "group", ${b.ms} AS bucket_ms,
       COUNT(*) AS requests,
       SUM(prompt_tokens) AS prompt_tokens,
       SUM(completion_tokens) AS completion_tokens,
       SUM(cache_status LIKE 'hit%') AS cache_hits,
       SUM(cache_status = 'miss') AS cache_misses,
       ROUND(1.0 * SUM(cache_status LIKE 'hit%') / NULLIF(SUM(cache_status LIKE 'hit%' OR cache_status = 'miss'), 0), 4) AS cache_hit_rate,
       ${errorClassColumns}
FROM usage_events u
WHERE ${inRange('u', range)}
GROUP BY 2
ORDER BY 2;`;
}

/**
 * Latency and TTFT p50/p95 per bucket and served model. Only requests a model answered count: the
 * time to refuse an unknown model or a bad key says nothing about the model's speed.
 */
export function latencyReportSql(bucket: TimeBucket, range: TimeRange): string {
  const b = bucketColumns(bucket);
  return `WITH ranked AS (
  SELECT ${b.ms} AS bucket_ms, u.served_model AS model, u.*,
         ${percentileWindows(`${b.ms}, u.served_model`)}
  FROM usage_events u
  WHERE ${inRange('u', range)} AND u.served_model IS NOT NULL
)
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', bucket_ms / 1000, 'unixepoch') AS "group", bucket_ms, model,
       COUNT(*) AS requests,
       ${percentileColumns}
FROM ranked
GROUP BY bucket_ms, model
ORDER BY bucket_ms, model;`;
}

/** How the router split requests between tiers per bucket; `(not routed)` for concrete models. */
export function tiersReportSql(bucket: TimeBucket, range: TimeRange): string {
  const b = bucketColumns(bucket);
  return `SELECT ${b.label} AS "group", ${b.ms} AS bucket_ms,
       COALESCE(u.route_tier, '(not routed)') AS tier,
       COUNT(*) AS requests
FROM usage_events u
WHERE ${inRange('u', range)}
GROUP BY 2, 3
ORDER BY 2, 3;`;
}

/**
 * Money per bucket: what the tokens would have cost at the API list price (the cost report's
 * `model_prices` arithmetic) against what the whole pool (`pools`: GPUs × hourly price) costs for
 * the bucket's length. The pool's line is the break-even line: API spend above it means the
 * dedicated pool is the cheaper way to serve that traffic.
 */
export function spendReportSql(bucket: TimeBucket, range: TimeRange): string {
  const b = bucketColumns(bucket);
  const hours = (timeBuckets[bucket] / 3_600_000).toPrecision(12);
  return `SELECT ${b.label} AS "group", ${b.ms} AS bucket_ms,
       COUNT(*) AS requests,
       SUM(u.prompt_tokens + u.completion_tokens) AS tokens,
       ROUND(SUM(${listPriceUsd('u', 'p')}), 6) AS api_cost_usd,
       ROUND((SELECT COALESCE(SUM(gpu_count * gpu_hourly_usd), 0) FROM pools) * ${hours}, 6) AS pool_cost_usd,
       SUM(p.model IS NULL) AS unpriced_requests
FROM usage_events u LEFT JOIN model_prices p ON p.model = u.served_model
WHERE ${inRange('u', range)} AND u.served_model IS NOT NULL
GROUP BY 2
ORDER BY 2;`;
}

/** Buckets a range may span in one report: enough for a month by the hour or a day by the minute. */
export const maxBuckets = 2_000;

/** Why a range is too long for a bucket size, or undefined when it is not. */
export function tooManyBuckets(bucket: TimeBucket, range: TimeRange): string | undefined {
  const count = Math.ceil((range.toMs - range.fromMs) / timeBuckets[bucket]);
  return count > maxBuckets
    ? `${count} ${bucket} buckets is more than ${maxBuckets}; choose a larger bucket or a shorter range`
    : undefined;
}
