import type { Embedder } from '../../ports';
import { batches } from './vector-limits';
import { checkedEmbeddings } from './vectors';

/**
 * The production `Embedder`: BAAI's bge models on Workers AI, through the `AI` binding. Small
 * (384 dimensions) by default; base (768) is more accurate and needs an index created with 768
 * dimensions. Workers AI has no local simulation: this adapter only runs deployed.
 */

export const workersAiModels = {
  '@cf/baai/bge-small-en-v1.5': 384,
  '@cf/baai/bge-base-en-v1.5': 768,
} as const;

export type WorkersAiEmbeddingModel = keyof typeof workersAiModels;

/** Texts per call: the bge models take at most 100 inputs in one request. */
const maxTextsPerCall = 100;

/** The one method of the binding this adapter uses, so tests pass a small fake. */
export type AiRunner = Pick<Ai, 'run'>;

export function createWorkersAiEmbedder(
  ai: AiRunner,
  model: WorkersAiEmbeddingModel = '@cf/baai/bge-small-en-v1.5',
): Embedder {
  const dimensions = workersAiModels[model];
  // `cls` pooling is what Cloudflare recommends for accuracy; its vectors are not comparable with
  // the default `mean` pooling, so it is part of the id.
  const pooling = 'cls' as const;
  const embedBatch = async (texts: string[]): Promise<number[][]> => {
    const output = await ai.run(model, { text: texts, pooling });
    const data = 'data' in output ? output.data : undefined;
    return checkedEmbeddings(`Workers AI ${model}`, data, texts.length, dimensions);
  };
  return {
    id: `workers-ai:${model}:${pooling}`,
    dimensions,
    async embed(texts) {
      if (texts.length === 0) return [];
      const results = await Promise.all(batches(texts, maxTextsPerCall).map(embedBatch));
      return results.flat();
    },
  };
}
