import { inRange, type TimeRange } from './report-sql';

/**
 * What the tokens of `usage` (a usage_events row or a sum of them) cost at the API list price of
 * `price` (a model_prices row), in USD. NULL when the model has no price.
 */
export function listPriceUsd(usage: string, price: string): string {
  return `(${usage}.prompt_tokens * ${price}.input_usd_per_million + ${usage}.completion_tokens * ${price}.output_usd_per_million) / 1e6`;
}

/** Hours in an average month (365 × 24 / 12), for monthly pool cost and break-even volume. */
export const hoursPerMonth = 730;

/**
 * "Is dedicated cheaper than per-token yet?" Per served model over the range:
 * - api_cost_usd: what the same tokens cost at the public list price (`model_prices`);
 * - pool_cost_usd: GPUs × hourly price × hours in the range (`pools`);
 * - effective and API prices per million tokens, measured throughput (tokens per hour);
 * - break-even: the monthly token volume above which the pool is cheaper than the API.
 * Money is rounded to the cent, prices per million to 4 decimals.
 */
export function costReportSql(range: TimeRange): string {
  const hours = (range.toMs - range.fromMs) / 3_600_000;
  if (!(hours > 0)) throw new Error('the range must be longer than zero');
  const h = hours.toPrecision(12);
  return `WITH used AS (
  SELECT u.served_model AS model, COUNT(*) AS requests,
         SUM(u.prompt_tokens) AS prompt_tokens, SUM(u.completion_tokens) AS completion_tokens
  FROM usage_events u
  WHERE ${inRange('u', range)} AND u.served_model IS NOT NULL
  GROUP BY u.served_model
),
pool AS (
  SELECT model, SUM(gpu_count) AS gpus, SUM(gpu_count * gpu_hourly_usd) AS hourly_usd FROM pools GROUP BY model
),
priced AS (
  SELECT used.*, pool.gpus, pool.hourly_usd,
         (used.prompt_tokens + used.completion_tokens) AS tokens,
         ${listPriceUsd('used', 'p')} AS api_cost,
         pool.hourly_usd * ${h} AS pool_cost
  FROM used LEFT JOIN model_prices p ON p.model = used.model LEFT JOIN pool ON pool.model = used.model
)
SELECT model AS "group", requests, prompt_tokens, completion_tokens, gpus,
       ROUND(api_cost, 2) AS api_cost_usd,
       ROUND(pool_cost, 2) AS pool_cost_usd,
       ROUND(api_cost * 1e6 / NULLIF(tokens, 0), 4) AS api_usd_per_million,
       ROUND(pool_cost * 1e6 / NULLIF(tokens, 0), 4) AS pool_usd_per_million,
       ROUND(tokens / ${h}, 1) AS tokens_per_hour,
       ROUND(hourly_usd * ${hoursPerMonth} / NULLIF(api_cost * 1e6 / NULLIF(tokens, 0), 0), 2) AS break_even_million_tokens_per_month,
       CASE WHEN api_cost IS NULL OR pool_cost IS NULL THEN NULL WHEN pool_cost < api_cost THEN 'yes' ELSE 'no' END AS dedicated_cheaper
FROM priced
ORDER BY tokens DESC, model;`;
}
