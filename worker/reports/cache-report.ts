import { inRange, usageGroups, type TimeRange, type UsageGroup } from './report-sql';

/**
 * "What does the response cache save": per group, how many requests could use the cache (not
 * `bypass`), how many it answered exactly or semantically, the hit rate over the cacheable ones
 * and over all requests, and the tokens the hits did not generate (each hit's stored usage).
 */
export function cacheReportSql(by: UsageGroup, range: TimeRange): string {
  const group = usageGroups[by];
  return `SELECT ${group} AS "group",
       COUNT(*) AS requests,
       SUM(u.cache_status <> 'bypass') AS cacheable,
       SUM(u.cache_status = 'hit-exact') AS hits_exact,
       SUM(u.cache_status = 'hit-semantic') AS hits_semantic,
       SUM(u.cache_status = 'miss') AS misses,
       SUM(u.cache_status = 'bypass') AS bypassed,
       ROUND(1.0 * SUM(u.cache_status LIKE 'hit%') / NULLIF(SUM(u.cache_status <> 'bypass'), 0), 4) AS hit_rate_cacheable,
       ROUND(1.0 * SUM(u.cache_status LIKE 'hit%') / COUNT(*), 4) AS hit_rate_all,
       SUM(u.tokens_saved) AS tokens_saved
FROM usage_events u LEFT JOIN api_keys k ON k.id = u.key_id
WHERE ${inRange('u', range)}
GROUP BY 1
ORDER BY requests DESC, 1;`;
}
