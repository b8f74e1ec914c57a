import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildModelCatalogue } from '../worker/router/model-catalogue';
import { oneLineError } from './lib/cli-error';
import {
  calibrate,
  loadLabelledSet,
  pct,
  scoreLabelled,
  tradeoffTable,
  type CostModel,
  type Price,
} from './lib/router-eval';
import { sqlLiteral } from './lib/sql-literal';
import { d1Execute, repoRoot } from './lib/wrangler';

const usage = `Usage: npm run calibrate -- --set <file.jsonl> [options]

Prints the threshold that sends at most the target share of a labelled prompt set to the large
tier, and what it trades: recall of the prompts labelled "large", share sent large, and cost
against sending everything to the large model at the configured prices.

Each line of the set: {"id": "...", "label": "small"|"large", "prompt": "...", "split"?: "train"|"test"}

Options:
  --set <file>                  the labelled set (required)
  --target-large-share <x>      at most this share to the large tier (default 0.3)
  --split <train|test|all>      which part of the set to use (default all)
  --route <name>                the routed name whose tiers and threshold to compare (default auto)
  --catalogue <file.json>       a MODEL_CATALOGUE to read instead of the default one
  --price <model>=<in>,<out>    USD per million tokens; repeatable; overrides D1's model_prices
  --completion-tokens <n>       answer length assumed per request for the cost (default 300)
  --remote [--env <env>]        read model_prices from the deployed D1 (default: local state)
  --persist-to <dir>            local state directory (default .wrangler/state)
  --json                        machine-readable output
`;

function parsePrice(value: string): [string, Price] {
  const match = /^([^=]+)=([\d.]+),([\d.]+)$/.exec(value);
  if (!match) throw new Error(`--price '${value}': expected <model>=<input>,<output>`);
  return [
    match[1]!,
    { inputUsdPerMillion: Number(match[2]), outputUsdPerMillion: Number(match[3]) },
  ];
}

/** Prices from --price, else from D1's model_prices; a model with neither has no cost. */
async function loadPrices(
  models: readonly string[],
  given: Map<string, Price>,
  target: { remote: boolean; env?: string; persistTo: string },
): Promise<{ prices: Map<string, Price>; note?: string }> {
  const missing = models.filter((m) => !given.has(m));
  if (missing.length === 0) return { prices: given };
  try {
    const [rows = []] = await d1Execute<{ model: string; i: number; o: number }>(
      `SELECT model, input_usd_per_million AS i, output_usd_per_million AS o FROM model_prices WHERE model IN (${missing.map(sqlLiteral).join(', ')});`,
      target,
    );
    const prices = new Map(given);
    for (const row of rows)
      prices.set(row.model, { inputUsdPerMillion: row.i, outputUsdPerMillion: row.o });
    return { prices };
  } catch (error) {
    return { prices: given, note: `model_prices not read (${oneLineError(error)})` };
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      set: { type: 'string' },
      'target-large-share': { type: 'string', default: '0.3' },
      split: { type: 'string', default: 'all' },
      route: { type: 'string', default: 'auto' },
      catalogue: { type: 'string' },
      price: { type: 'string', multiple: true, default: [] },
      'completion-tokens': { type: 'string', default: '300' },
      remote: { type: 'boolean', default: false },
      env: { type: 'string' },
      'persist-to': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || values.set === undefined) {
    console.log(usage);
    process.exit(values.help ? 0 : 1);
  }
  const share = Number(values['target-large-share']);
  if (!(share > 0 && share < 1)) throw new Error('--target-large-share must be between 0 and 1');
  const completionTokens = Number(values['completion-tokens']);
  if (!Number.isInteger(completionTokens) || completionTokens < 0) {
    throw new Error('--completion-tokens must be a whole number');
  }
  if (!['train', 'test', 'all'].includes(values.split))
    throw new Error('--split: train, test or all');

  const json = values.catalogue === undefined ? undefined : readFileSync(values.catalogue, 'utf8');
  const catalogue = buildModelCatalogue(json);
  const route = catalogue.routes.get(values.route);
  if (route === undefined) throw new Error(`the catalogue has no routed name '${values.route}'`);
  if (route.tiers.length !== 2) throw new Error('calibration covers two-tier routes');
  const [smallTier, largeTier] = [route.tiers[0]!, route.tiers[1]!];

  const all = loadLabelledSet(values.set);
  const prompts = values.split === 'all' ? all : all.filter((p) => p.split === values.split);
  if (prompts.length === 0) throw new Error('no prompts in that split');
  const items = scoreLabelled(catalogue.router, prompts);

  const { prices, note } = await loadPrices(
    [smallTier.model, largeTier.model],
    new Map(values.price.map(parsePrice)),
    {
      remote: values.remote,
      env: values.env,
      persistTo: values['persist-to'] ?? path.join(repoRoot, '.wrangler/state'),
    },
  );
  const small = prices.get(smallTier.model);
  const large = prices.get(largeTier.model);
  const costModel: CostModel | undefined =
    small && large ? { small, large, completionTokens } : undefined;
  const result = calibrate(items, share, route.thresholds[0]!, costModel);

  if (values.json) {
    console.log(
      JSON.stringify(
        {
          set: values.set,
          split: values.split,
          route: values.route,
          prices: Object.fromEntries(prices),
          completionTokens,
          ...result,
        },
        null,
        2,
      ),
    );
    return;
  }
  const { calibrated: c } = result;
  console.log(
    `set: ${values.set} (${values.split}): ${c.prompts} prompts, ${c.hard} labelled large`,
  );
  console.log(
    `route '${values.route}': ${smallTier.name} = ${smallTier.model}, ${largeTier.name} = ${largeTier.model}`,
  );
  console.log(
    costModel
      ? `prices (USD per million in/out): ${smallTier.model} ${small!.inputUsdPerMillion}/${small!.outputUsdPerMillion}, ${largeTier.model} ${large!.inputUsdPerMillion}/${large!.outputUsdPerMillion}; ${completionTokens} completion tokens assumed per answer`
      : `no cost: give --price for ${smallTier.model} and ${largeTier.model}${note ? `; ${note}` : ''}`,
  );
  console.log(`\nthreshold for at most ${pct(share)} large on this set: ${c.threshold.toFixed(4)}`);
  console.log(
    `  ${pct(c.largeShare)} sent large, hard-prompt recall ${pct(c.hardRecall)}${c.cost ? `, cost saved vs all-large ${pct(c.cost.savedShare)}` : ''}`,
  );
  console.log(
    `  use it: "thresholds": [${c.threshold.toFixed(4)}] on '${values.route}' in MODEL_CATALOGUE\n`,
  );
  console.log(
    tradeoffTable([
      { label: `target ${pct(share)} (this set)`, t: c },
      { label: 'shipped threshold', t: result.shipped },
      ...result.alternatives.map((t, i) => ({
        label: `target ${pct([0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5][i]!)}`,
        t,
      })),
    ]),
  );
}

main().catch((error: unknown) => {
  console.error(`calibrate: ${oneLineError(error)}`);
  process.exit(1);
});
