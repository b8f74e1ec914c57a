/**
 * The usage summary as one SQL statement for D1 (SQLite with window functions), so the CLI
 * (`wrangler d1 execute --local|--remote`) and, later, the admin API run the very same query.
 * Percentiles are nearest-rank: the smallest latency whose rank reaches p × n.
 */

export const usageDimensions = {
  model: `COALESCE(u.served_model, u.requested_model, '(none)')`,
  key: `COALESCE(k.name || ' ' || k.key_prefix || '…', u.key_id, '(no key)')`,
} as const;
export type UsageDimension = keyof typeof usageDimensions;

export interface UsageSummaryRow {
  group: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  errors: number;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
}

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

export function usageSummarySql(dimension: UsageDimension, range: TimeRange): string {
  const group = usageDimensions[dimension];
  return `WITH ranked AS (
  SELECT ${group} AS grp, u.status, u.prompt_tokens, u.completion_tokens, u.latency_ms,
         ROW_NUMBER() OVER (PARTITION BY ${group} ORDER BY u.latency_ms) AS rn,
         COUNT(*) OVER (PARTITION BY ${group}) AS n
  FROM usage_events u LEFT JOIN api_keys k ON k.id = u.key_id
  WHERE u.created_at_ms >= ${integer(range.fromMs)} AND u.created_at_ms < ${integer(range.toMs)}
)
SELECT grp AS "group",
       COUNT(*) AS requests,
       SUM(prompt_tokens) AS prompt_tokens,
       SUM(completion_tokens) AS completion_tokens,
       SUM(status <> 'ok') AS errors,
       MIN(CASE WHEN rn >= 0.50 * n THEN latency_ms END) AS p50_latency_ms,
       MIN(CASE WHEN rn >= 0.95 * n THEN latency_ms END) AS p95_latency_ms
FROM ranked
GROUP BY grp
ORDER BY requests DESC, grp;`;
}
