import { inRange, usageGroups, type TimeRange, type UsageGroup } from './report-sql';

/**
 * "Which parts of our app are AI-heavy": requests, tokens, cache hits and savings, errors by
 * class, cost, latency and TTFT percentiles, grouped by model, key, tenant, tag or day. One SQL
 * statement (SQLite window functions, as D1 runs them), shared by the CLI and the admin API.
 * Percentiles are nearest-rank: the smallest value whose rank reaches p × n.
 */
export function usageReportSql(by: UsageGroup, range: TimeRange): string {
  const group = usageGroups[by];
  return `WITH ranked AS (
  SELECT ${group} AS grp, u.*,
         ROW_NUMBER() OVER (PARTITION BY ${group} ORDER BY u.latency_ms) AS lat_rank,
         COUNT(*) OVER (PARTITION BY ${group}) AS n,
         ROW_NUMBER() OVER (PARTITION BY ${group}, u.ttft_ms IS NULL ORDER BY u.ttft_ms) AS ttft_rank,
         COUNT(u.ttft_ms) OVER (PARTITION BY ${group}) AS ttft_n
  FROM usage_events u LEFT JOIN api_keys k ON k.id = u.key_id
  WHERE ${inRange('u', range)}
)
SELECT grp AS "group",
       COUNT(*) AS requests,
       SUM(prompt_tokens) AS prompt_tokens,
       SUM(completion_tokens) AS completion_tokens,
       SUM(cache_status LIKE 'hit%') AS cache_hits,
       ROUND(1.0 * SUM(cache_status LIKE 'hit%') / NULLIF(SUM(cache_status <> 'bypass'), 0), 4) AS cache_hit_rate,
       SUM(tokens_saved) AS tokens_saved,
       SUM(status <> 'ok') AS errors,
       SUM(status = 'client_error' AND rate_limited IS NULL) AS client_errors,
       SUM(status = 'auth_error') AS auth_errors,
       SUM(rate_limited IS NOT NULL) AS rate_limited,
       SUM(status IN ('upstream_error', 'upstream_unavailable', 'midstream_error')) AS upstream_errors,
       SUM(status = 'client_cancelled') AS cancelled,
       ROUND(SUM(cost_usd), 6) AS cost_usd,
       MIN(CASE WHEN lat_rank >= 0.50 * n THEN latency_ms END) AS p50_latency_ms,
       MIN(CASE WHEN lat_rank >= 0.95 * n THEN latency_ms END) AS p95_latency_ms,
       MIN(CASE WHEN ttft_ms IS NOT NULL AND ttft_rank >= 0.50 * ttft_n THEN ttft_ms END) AS p50_ttft_ms,
       MIN(CASE WHEN ttft_ms IS NOT NULL AND ttft_rank >= 0.95 * ttft_n THEN ttft_ms END) AS p95_ttft_ms
FROM ranked
GROUP BY grp
ORDER BY requests DESC, grp;`;
}
