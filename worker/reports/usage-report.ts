import {
  errorClassColumns,
  inRange,
  percentileColumns,
  percentileWindows,
  usageGroups,
  type TimeRange,
  type UsageGroup,
} from './report-sql';

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
         ${percentileWindows(group)}
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
       ${errorClassColumns},
       ROUND(SUM(cost_usd), 6) AS cost_usd,
       ${percentileColumns}
FROM ranked
GROUP BY grp
ORDER BY requests DESC, grp;`;
}
