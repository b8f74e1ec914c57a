import type { CacheStore, Coalescer } from '../ports';
import type { CacheFlight } from './flight-object';

/** The `CacheStore` port over a Workers KV namespace. */
export function createKvCacheStore(kv: KVNamespace): CacheStore {
  return {
    get: async (key) => (await kv.get(key, 'text')) ?? undefined,
    put: (key, value, ttlSeconds) => kv.put(key, value, { expirationTtl: ttlSeconds }),
    list: async (prefix, cursor) => {
      const page = await kv.list({ prefix, ...(cursor !== undefined && { cursor }) });
      return {
        keys: page.keys.map((k) => k.name),
        ...(!page.list_complete && { cursor: page.cursor }),
      };
    },
    delete: (key) => kv.delete(key),
  };
}

/**
 * The `CACHE_FLIGHT` object that holds a key's flights: 256 shards by the hash's first two hex
 * digits, so objects stay warm and one shard sees a small share of the misses.
 */
export function flightShard(kvKey: string): string {
  return `flight-${kvKey.slice(kvKey.lastIndexOf('/') + 1, kvKey.lastIndexOf('/') + 3)}`;
}

/** The `Coalescer` port over the `CACHE_FLIGHT` namespace. */
export function createDurableCoalescer(
  namespace: DurableObjectNamespace<CacheFlight>,
  waitMs: number,
): Coalescer {
  const stub = (key: string) => namespace.get(namespace.idFromName(flightShard(key)));
  return {
    join: (key, requestId) => stub(key).join(key, requestId, waitMs),
    finish: (key, requestId, answer) => stub(key).finish(key, requestId, answer),
  };
}
