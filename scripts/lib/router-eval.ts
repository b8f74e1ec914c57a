import { readFileSync } from 'node:fs';
import * as z from 'zod';

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
