import type { Clock, VectorIndex } from '../../ports';
import type { IndexSettings, SemanticIndex } from './semantic-index-object';
import { cappedTopK, checkEntry, checkNamespace, checkVector } from './vector-limits';

/**
 * The `VectorIndex` port over the local `SEMANTIC_INDEX` Durable Object: the same checks and topK
 * cap as the Vectorize adapter (vector-limits.ts), so code that works here works on Vectorize.
 */

export interface LocalVectorIndexOptions {
  clock: Clock;
  /** 0 for read-your-writes; a few thousand ms to behave like Vectorize's asynchronous writes. */
  visibilityDelayMs: number;
  maxEntries: number;
  /** One object holds the whole index; tests use their own names to stay apart. */
  objectName?: string;
}

export function createLocalVectorIndex(
  namespace: DurableObjectNamespace<SemanticIndex>,
  options: LocalVectorIndexOptions,
): VectorIndex {
  const stub = () => namespace.get(namespace.idFromName(options.objectName ?? 'default'));
  const settings = (): IndexSettings => ({
    nowMs: options.clock.nowMs(),
    visibilityDelayMs: options.visibilityDelayMs,
    maxEntries: options.maxEntries,
  });
  return {
    async query(vector, query) {
      checkNamespace(query.namespace);
      checkVector(vector);
      const matches = await stub().query(
        [...vector],
        { topK: cappedTopK(query.topK), namespace: query.namespace },
        settings(),
      );
      return matches;
    },
    async upsert(entries) {
      entries.forEach(checkEntry);
      if (entries.length > 0) await stub().upsert([...entries], settings());
    },
    async deleteByIds(ids) {
      if (ids.length > 0) await stub().deleteByIds([...ids], settings());
    },
  };
}
