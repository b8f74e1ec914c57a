import { guardVerdict, type GuardVerdict } from '../../worker/cache/semantic/guards';
import type { Embedder } from '../../worker/ports';
import { sameScope, splitOf, type Pair, type Split } from './pairs';

/** The semantic cache's decision for one labelled pair, and the metrics over many. */

export interface ScoredPair {
  pair: Pair;
  split: Split;
  sameScope: boolean;
  /** Cosine similarity of the two final user turns. */
  similarity: number;
  verdict: GuardVerdict;
}

export interface Pipeline {
  /** Apply the false-hit guards after the threshold (the real pipeline does). */
  guards: boolean;
  /** Enforce the scope partition (system prompt, earlier turns); off only to show what it catches. */
  scope: boolean;
}

export const fullPipeline: Pipeline = { guards: true, scope: true };

export interface Metrics {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
  /** Served hits that were right; 1 when nothing was served. */
  precision: number;
  /** Paraphrases served from the cache. */
  recall: number;
  /** Must-miss pairs served from the cache anyway: the number that has to stay ≤ 0.5%. */
  falseHitRate: number;
}

const dot = (a: readonly number[], b: readonly number[]) =>
  a.reduce((sum, value, i) => sum + value * b[i]!, 0);

export async function scorePairs(
  pairs: readonly Pair[],
  embedder: Embedder,
): Promise<ScoredPair[]> {
  const vectors = await embedder.embed(pairs.flatMap((p) => [p.stored, p.query]));
  return pairs.map((pair, i) => ({
    pair,
    split: splitOf(pair),
    sameScope: sameScope(pair),
    similarity: dot(vectors[2 * i]!, vectors[2 * i + 1]!),
    verdict: guardVerdict(pair.query, pair.stored),
  }));
}

export function servedAsHit(scored: ScoredPair, threshold: number, pipeline: Pipeline): boolean {
  return (
    (!pipeline.scope || scored.sameScope) &&
    scored.similarity >= threshold &&
    (!pipeline.guards || scored.verdict.pass)
  );
}

export function metricsAt(
  scored: readonly ScoredPair[],
  threshold: number,
  pipeline: Pipeline = fullPipeline,
): Metrics {
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  let trueNegatives = 0;
  for (const s of scored) {
    const hit = servedAsHit(s, threshold, pipeline);
    if (s.pair.expect === 'hit') {
      if (hit) truePositives++;
      else falseNegatives++;
    } else if (hit) falsePositives++;
    else trueNegatives++;
  }
  const served = truePositives + falsePositives;
  return {
    truePositives,
    falsePositives,
    falseNegatives,
    trueNegatives,
    precision: served === 0 ? 1 : truePositives / served,
    recall: truePositives / Math.max(1, truePositives + falseNegatives),
    falseHitRate: falsePositives / Math.max(1, falsePositives + trueNegatives),
  };
}

/** Thresholds 0.30, 0.35 … 0.95. */
export const sweepThresholds = Array.from({ length: 14 }, (_, i) => Math.round(30 + 5 * i) / 100);

/**
 * The default threshold: the highest recall on the development split whose false-hit rate stays
 * within the goal; among equal recalls the higher (safer) threshold. Chosen on development pairs
 * only, so the held-out numbers are an honest check of it.
 */
export function pickThreshold(
  scored: readonly ScoredPair[],
  maxFalseHitRate: number,
  thresholds: readonly number[] = Array.from({ length: 71 }, (_, i) => (25 + i) / 100),
): number | undefined {
  const development = scored.filter((s) => s.split === 'development');
  let best: { threshold: number; recall: number } | undefined;
  for (const threshold of thresholds) {
    const m = metricsAt(development, threshold);
    if (m.falseHitRate > maxFalseHitRate) continue;
    if (best === undefined || m.recall >= best.recall) best = { threshold, recall: m.recall };
  }
  return best?.threshold;
}
