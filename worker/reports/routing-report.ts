import { inRange, type TimeRange } from './report-sql';

/** A routed name (`auto`) and the model of its top tier, the one routing saves against. */
export type TopTierModels = ReadonlyMap<string, string>;

/** Each routed name's top-tier model (its last tier), from the catalogue's routes. */
export function topTierModels(
  routes: Iterable<readonly [string, { tiers: readonly { model: string }[] }]>,
): TopTierModels {
  return new Map([...routes].map(([name, route]) => [name, route.tiers.at(-1)?.model ?? '']));
}

/** Catalogue names carry no quote (worker/config/models.ts); checked again before splicing. */
function nameLiteral(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/.test(name)) throw new Error(`unsafe model name: ${name}`);
  return `'${name}'`;
}

/**
 * "What did routing save?": requests of each routed name by the tier that answered (a
 * load-aware downgrade is its own tier, e.g. `small:downgraded`), the share of each, tokens, what
 * they cost, what the same tokens would have cost on the top tier's model at its `model_prices`
 * row, and the difference. Without a price for the top tier the saving is NULL, not 0.
 */
export function routingReportSql(range: TimeRange, topTier: TopTierModels): string {
  const cases = [...topTier]
    .map(([name, model]) => `WHEN ${nameLiteral(name)} THEN ${nameLiteral(model)}`)
    .join(' ');
  const top = cases === '' ? 'NULL' : `CASE u.requested_model ${cases} END`;
  return `WITH routed AS (
  SELECT u.requested_model AS name, u.route_tier AS tier, u.served_model, u.prompt_tokens,
         u.completion_tokens, u.cost_usd, ${top} AS top_model
  FROM usage_events u
  WHERE u.route_tier IS NOT NULL AND ${inRange('u', range)}
)
SELECT r.name AS "group",
       r.tier AS tier,
       GROUP_CONCAT(DISTINCT r.served_model) AS served_models,
       COUNT(*) AS requests,
       ROUND(1.0 * COUNT(*) / SUM(COUNT(*)) OVER (PARTITION BY r.name), 4) AS share,
       SUM(r.prompt_tokens) AS prompt_tokens,
       SUM(r.completion_tokens) AS completion_tokens,
       ROUND(SUM(r.cost_usd), 6) AS cost_usd,
       ROUND(SUM((r.prompt_tokens * p.input_usd_per_million + r.completion_tokens * p.output_usd_per_million) / 1000000.0), 6) AS top_tier_cost_usd,
       ROUND(SUM((r.prompt_tokens * p.input_usd_per_million + r.completion_tokens * p.output_usd_per_million) / 1000000.0) - SUM(r.cost_usd), 6) AS saved_usd
FROM routed r
LEFT JOIN model_prices p ON p.model = r.top_model
GROUP BY r.name, r.tier
ORDER BY r.name, requests DESC, r.tier;`;
}
