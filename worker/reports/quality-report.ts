import { inRange, usageGroups, type TimeRange } from './report-sql';

export const qualityGroups = ['model', 'key', 'tenant', 'tag', 'tier'] as const;
export type QualityGroup = (typeof qualityGroups)[number];

/**
 * Feedback per group: counts by rating and the hallucination rate (share of feedback labelled
 * `hallucination`). Feedback is joined to the usage row of the request it rates, so it groups by
 * what answered, not by what the client said.
 */
export function qualityReportSql(by: QualityGroup, range: TimeRange): string {
  return `SELECT ${usageGroups[by]} AS "group",
       COUNT(*) AS feedback,
       SUM(f.rating > 0) AS positive,
       SUM(f.rating = 0) AS neutral,
       SUM(f.rating < 0) AS negative,
       SUM(COALESCE(f.label = 'hallucination', 0)) AS hallucinations,
       ROUND(1.0 * SUM(COALESCE(f.label = 'hallucination', 0)) / COUNT(*), 4) AS hallucination_rate
FROM feedback f
JOIN usage_events u ON u.request_id = f.request_id
LEFT JOIN api_keys k ON k.id = u.key_id
WHERE ${inRange('f', range)}
GROUP BY 1
ORDER BY feedback DESC, 1;`;
}
