import type { ApiKeyRecord, ApiKeyRepository, Clock, KeyStore } from '../ports';

/**
 * Key lookups remembered by this isolate for `ttlMs` (DESIGN §2 "auth (D1, cached)"): a busy key
 * costs one D1 read per isolate per TTL instead of one per request. The price is a bounded delay
 * for changes made elsewhere: a key revoked or rotated through another isolate or the CLI keeps
 * working here for at most `ttlMs` — keys with limits stop at once anyway, because their
 * RATE_LIMITER object is told of the revocation and checked on every request. Only keys that
 * were found are remembered, so a key created a moment ago is never refused from the cache.
 * Concurrent misses for one hash share a single read.
 */
export interface KeyLookupCache extends ApiKeyRepository {
  /** Drops the key's entry, so a revocation or rotation through this isolate applies at once. */
  forget(keyId: string): void;
}

interface Entry {
  record: Promise<ApiKeyRecord | undefined>;
  /** The key's id once the read has answered. */
  keyId?: string;
  expiresAtMs: number;
}

export function cachedKeyLookup(
  inner: ApiKeyRepository,
  clock: Clock,
  options: { ttlMs: number; maxEntries: number },
): KeyLookupCache {
  const entries = new Map<string, Entry>();
  const remember = (keyHash: string, entry: Entry) => {
    entries.delete(keyHash);
    // Map order is insertion order: the first key is the oldest entry.
    if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value!);
    entries.set(keyHash, entry);
  };
  return {
    findByHash(keyHash) {
      const nowMs = clock.nowMs();
      const cached = entries.get(keyHash);
      if (cached !== undefined && cached.expiresAtMs > nowMs) return cached.record;
      if (options.ttlMs <= 0) return inner.findByHash(keyHash);
      const record = inner.findByHash(keyHash);
      const entry: Entry = { record, expiresAtMs: nowMs + options.ttlMs };
      remember(keyHash, entry);
      // Misses and failures are not kept: the next request asks D1 again.
      const drop = () => entries.get(keyHash) === entry && entries.delete(keyHash);
      record.then((found) => (found === undefined ? drop() : (entry.keyId = found.id)), drop);
      return record;
    },
    forget(keyId) {
      // A read still in flight may be for this key: dropping it too costs one more D1 read.
      for (const [keyHash, entry] of entries) {
        if (entry.keyId === undefined || entry.keyId === keyId) entries.delete(keyHash);
      }
    },
  };
}

/** The key store with every revocation and rotation also forgotten by the lookup cache. */
export function forgettingKeyStore(store: KeyStore, cache: KeyLookupCache): KeyStore {
  return {
    create: (record) => store.create(record),
    list: (filter) => store.list(filter),
    revoke: async (keyId, nowMs) => {
      const summary = await store.revoke(keyId, nowMs);
      cache.forget(keyId);
      return summary;
    },
    rotate: async (keyId, secret) => {
      const outcome = await store.rotate(keyId, secret);
      cache.forget(keyId);
      return outcome;
    },
  };
}
