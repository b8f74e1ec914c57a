import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { thresholdForShare } from '../../worker/router/route';
import { scorePrompt, type RouterModel } from '../../worker/router/score';

/**
 * The labelled prompt set and what a threshold does to it: share sent to the large tier, recall
 * of the hard prompts, and the cost against sending everything to the large model. Shared by the
 * training script, `npm run calibrate` and the router benchmark, so all three count the same way.
 */

export const labelledPrompt = z.object({
  id: z.string(),
  label: z.enum(['small', 'large']),
  category: z.string().optional(),
  split: z.enum(['train', 'test']).optional(),
  prompt: z.string().min(1),
});
export type LabelledPrompt = z.infer<typeof labelledPrompt>;

export function loadLabelledSet(file: string): LabelledPrompt[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => ({ line: line.trim(), i }))
    .filter(({ line }) => line !== '')
    .map(({ line, i }) => {
      const parsed = labelledPrompt.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
}

/** USD per million tokens, as in the model_prices table. */
export interface Price {
  inputUsdPerMillion: number;
  outputUsdPerMillion: number;
}

export interface CostModel {
  small: Price;
  large: Price;
  /** Completion tokens assumed per answer (the set has prompts, not answers). */
  completionTokens: number;
}

export interface Tradeoff {
  threshold: number;
  prompts: number;
  hard: number;
  largeShare: number;
  /** Hard prompts sent to the large tier, over all hard prompts. */
  hardRecall: number;
  /** Easy prompts sent to the large tier, over all easy prompts. */
  easyToLarge: number;
  /** Undefined without prices. */
  cost?: { allLargeUsd: number; routedUsd: number; savedShare: number };
}

const requestCost = (price: Price, promptTokens: number, completionTokens: number) =>
  (promptTokens * price.inputUsdPerMillion + completionTokens * price.outputUsdPerMillion) /
  1_000_000;

export function tradeoff(
  items: readonly { prompt: LabelledPrompt; score: number }[],
  threshold: number,
  costModel?: CostModel,
): Tradeoff {
  const hard = items.filter((i) => i.prompt.label === 'large');
  const easy = items.filter((i) => i.prompt.label === 'small');
  const up = (i: { score: number }) => i.score >= threshold;
  let allLargeUsd = 0;
  let routedUsd = 0;
  if (costModel !== undefined) {
    for (const item of items) {
      // About four characters a token, as the usage row estimates when an engine reports nothing.
      const promptTokens = Math.ceil(item.prompt.prompt.length / 4);
      const large = requestCost(costModel.large, promptTokens, costModel.completionTokens);
      allLargeUsd += large;
      routedUsd += up(item)
        ? large
        : requestCost(costModel.small, promptTokens, costModel.completionTokens);
    }
  }
  return {
    threshold,
    prompts: items.length,
    hard: hard.length,
    largeShare: items.filter(up).length / Math.max(1, items.length),
    hardRecall: hard.filter(up).length / Math.max(1, hard.length),
    easyToLarge: easy.filter(up).length / Math.max(1, easy.length),
    ...(costModel !== undefined && {
      cost: {
        allLargeUsd,
        routedUsd,
        savedShare: allLargeUsd > 0 ? 1 - routedUsd / allLargeUsd : 0,
      },
    }),
  };
}

export const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The text-only score of a labelled prompt, as the live router scores a one-turn chat. */
export function scoreLabelled(
  model: RouterModel,
  prompts: readonly LabelledPrompt[],
): { prompt: LabelledPrompt; score: number }[] {
  return prompts.map((prompt) => ({
    prompt,
    score: scorePrompt(model, {
      text: prompt.prompt,
      totalChars: prompt.prompt.length,
      turns: 1,
      tools: false,
      jsonMode: false,
      maxTokens: undefined,
    }),
  }));
}

/**
 * What `npm run calibrate` prints: the threshold that sends at most `targetShare` of this set to
 * the large tier, the trade-off there, the trade-off of the shipped threshold on the same set, and
 * a few neighbouring targets to choose from.
 */
export function calibrate(
  items: readonly { prompt: LabelledPrompt; score: number }[],
  targetShare: number,
  shippedThreshold: number,
  costModel?: CostModel,
): { calibrated: Tradeoff; shipped: Tradeoff; alternatives: Tradeoff[] } {
  const sorted = items.map((i) => i.score).sort((a, b) => a - b);
  const at = (share: number) => tradeoff(items, thresholdForShare(sorted, share), costModel);
  return {
    calibrated: at(targetShare),
    shipped: tradeoff(items, shippedThreshold, costModel),
    alternatives: [0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5].map(at),
  };
}

/** One Markdown table row per trade-off (the calibrate CLI and bench/README.md). */
export function tradeoffTable(rows: readonly { label: string; t: Tradeoff }[]): string {
  const money = (x: number | undefined) => (x === undefined ? '–' : `$${x.toFixed(4)}`);
  return [
    '| threshold for | threshold | prompts | large share | hard recall | easy sent large | cost all-large | cost routed | saved |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      ({ label, t }) =>
        `| ${label} | ${t.threshold.toFixed(4)} | ${t.prompts} | ${pct(t.largeShare)} | ${pct(t.hardRecall)} | ${pct(t.easyToLarge)} | ${money(t.cost?.allLargeUsd)} | ${money(t.cost?.routedUsd)} | ${t.cost === undefined ? '–' : pct(t.cost.savedShare)} |`,
    ),
  ].join('\n');
}
