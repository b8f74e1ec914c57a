import * as z from 'zod';
import type { Embedder } from '../../ports';
import { checkedEmbeddings } from './vectors';

/**
 * An `Embedder` over the origin pool's OpenAI-compatible `/v1/embeddings` (vLLM serving an
 * embedding model), for deployments where prompts must not leave the perimeter: the text goes only
 * to the same GPU servers that answer the prompt anyway.
 *
 * It takes the sending as a function, so the gateway decides how the request reaches a replica
 * (replica choice, signing, timeouts — the forwarding path) and this module only speaks the
 * protocol: request shape, response validation, ordering by `index`.
 */

/** Sends one POST with a JSON body to the origin pool at `path` and returns its response. */
export type OriginPost = (path: '/v1/embeddings', body: string) => Promise<Response>;

export interface OriginEmbedderOptions {
  /** The embedding model as the origin serves it (e.g. `BAAI/bge-small-en-v1.5`). */
  model: string;
  /** What that model returns; the index must be created with the same number. */
  dimensions: number;
}

// Only what is used; OpenAI's response carries more (usage, object), ignored.
const responseSchema = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: z.unknown() })),
});

export function createOriginEmbedder(post: OriginPost, options: OriginEmbedderOptions): Embedder {
  const source = `origin /v1/embeddings (${options.model})`;
  return {
    id: `origin:${options.model}`,
    dimensions: options.dimensions,
    async embed(texts) {
      if (texts.length === 0) return [];
      const response = await post(
        '/v1/embeddings',
        JSON.stringify({ model: options.model, input: texts, encoding_format: 'float' }),
      );
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`${source} answered ${response.status}`);
      }
      const parsed = responseSchema.safeParse(await response.json().catch(() => undefined));
      if (!parsed.success) throw new Error(`${source} returned an unreadable body`);
      // The spec does not promise order; `index` does.
      const byIndex = [...parsed.data.data].sort((a, b) => a.index - b.index);
      const indicesMatch = byIndex.every((item, i) => item.index === i);
      return checkedEmbeddings(
        source,
        indicesMatch ? byIndex.map((item) => item.embedding) : undefined,
        texts.length,
        options.dimensions,
      );
    },
  };
}
