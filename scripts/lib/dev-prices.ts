import { sqlLiteral } from './sql-literal';
import { d1Execute, type D1Target } from './wrangler';

/**
 * Illustrative list prices (USD per million tokens) for the simulated models, so the local
 * stack's cost and routing reports and `npm run calibrate` have numbers: roughly what hosted 8B
 * and 70B open models cost per token. Rows an operator already wrote are kept.
 */
export const devModelPrices = [
  { model: 'sim-small', inputUsdPerMillion: 0.2, outputUsdPerMillion: 0.2 },
  { model: 'sim-large', inputUsdPerMillion: 0.9, outputUsdPerMillion: 0.9 },
] as const;

export async function seedDevPrices(target: D1Target, nowMs = Date.now()): Promise<void> {
  const rows = devModelPrices.map(
    (p) =>
      `(${sqlLiteral(p.model)}, ${sqlLiteral(p.inputUsdPerMillion)}, ${sqlLiteral(p.outputUsdPerMillion)}, ${sqlLiteral(nowMs)})`,
  );
  await d1Execute(
    `INSERT OR IGNORE INTO model_prices (model, input_usd_per_million, output_usd_per_million, updated_at_ms) VALUES ${rows.join(', ')};`,
    target,
  );
}
