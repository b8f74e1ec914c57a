import type { VectorIndex, VectorMatch } from '../../ports';
import {
  batches,
  cappedTopK,
  checkEntry,
  checkNamespace,
  checkVector,
  vectorLimits,
} from './vector-limits';

/**
 * The production `VectorIndex` over a Vectorize binding (`SEMANTIC`). The namespace is Vectorize's
 * own namespace, so the partition is applied by the index before any ranking (RELIABILITY K3)
 * and needs no metadata index. Writes are asynchronous in Vectorize: an upsert is queryable only
 * seconds later, which the semantic cache tolerates as a few extra misses.
 */

/** The methods used, present on both the `VectorizeIndex` (beta) and `Vectorize` binding types. */
export type VectorizeBinding = Pick<VectorizeIndex, 'query' | 'upsert' | 'deleteByIds'>;

/** Vectorize metadata may hold booleans, lists and objects; the port carries strings and numbers. */
function flatMetadata(metadata: Record<string, unknown> | undefined): VectorMatch['metadata'] {
  const out: VectorMatch['metadata'] = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (typeof value === 'string' || typeof value === 'number') out[key] = value;
  }
  return out;
}

export function createVectorizeIndex(index: VectorizeBinding): VectorIndex {
  return {
    async query(vector, options) {
      checkNamespace(options.namespace);
      checkVector(vector);
      const result = await index.query([...vector], {
        topK: cappedTopK(options.topK),
        namespace: options.namespace,
        // The whole metadata (the stored prompt for the guards can exceed the 64 bytes an
        // "indexed" read returns); this is what caps topK at 20.
        returnMetadata: 'all',
        returnValues: false,
      });
      return result.matches.map((match) => ({
        id: match.id,
        score: match.score,
        metadata: flatMetadata(match.metadata),
      }));
    },
    async upsert(entries) {
      entries.forEach(checkEntry);
      for (const batch of batches(entries, vectorLimits.maxBatch)) {
        await index.upsert(
          batch.map((entry) => ({
            id: entry.id,
            values: [...entry.values],
            namespace: entry.namespace,
            metadata: { ...entry.metadata },
          })),
        );
      }
    },
    async deleteByIds(ids) {
      for (const batch of batches(ids, vectorLimits.maxBatch)) await index.deleteByIds(batch);
    },
  };
}
