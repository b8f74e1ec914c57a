import { describe, expect, it } from 'vitest';
import { cachedKeyLookup, forgettingKeyStore } from '../../worker/db/cached-key-lookup';
import type { ApiKeyRecord, KeyStore } from '../../worker/ports';

const record = (id: string, status: 'active' | 'revoked' = 'active'): ApiKeyRecord => ({
  id,
  tenantId: 't',
  keyHash: `hash-${id}`,
  status,
  policy: {
    requestsPerMinute: null,
    tokensPerMinute: null,
    monthlyBudgetUsd: null,
    maxConcurrency: null,
  },
  maxTokensPerRequest: null,
  logPayloads: false,
  allowedModels: null,
  cacheMode: 'on',
});

function setup(ttlMs = 10_000, maxEntries = 100) {
  const stored = new Map<string, ApiKeyRecord>([
    ['hash-a', record('a')],
    ['hash-b', record('b')],
  ]);
  let reads = 0;
  let nowMs = 0;
  const cache = cachedKeyLookup(
    {
      findByHash: (hash) => {
        reads += 1;
        return Promise.resolve(stored.get(hash));
      },
    },
    { nowMs: () => nowMs },
    { ttlMs, maxEntries },
  );
  return {
    cache,
    stored,
    reads: () => reads,
    advance: (ms: number) => (nowMs += ms),
  };
}

describe('the isolate key lookup cache', () => {
  it('reads D1 once per key per TTL, and again after it', async () => {
    const t = setup();
    await t.cache.findByHash('hash-a');
    await t.cache.findByHash('hash-a');
    t.advance(9_999);
    await t.cache.findByHash('hash-a');
    expect(t.reads()).toBe(1);
    t.advance(1);
    await t.cache.findByHash('hash-a');
    expect(t.reads()).toBe(2);
  });

  it('shares one read among concurrent lookups of a key', async () => {
    const t = setup();
    await Promise.all(Array.from({ length: 20 }, () => t.cache.findByHash('hash-a')));
    expect(t.reads()).toBe(1);
  });

  it('never remembers a key it did not find, so a new key works at once', async () => {
    const t = setup();
    expect(await t.cache.findByHash('hash-new')).toBeUndefined();
    t.stored.set('hash-new', record('new'));
    expect(await t.cache.findByHash('hash-new')).toMatchObject({ id: 'new' });
  });

  it('keeps a revocation made elsewhere out for at most the TTL', async () => {
    const t = setup(5_000);
    await t.cache.findByHash('hash-a');
    t.stored.set('hash-a', record('a', 'revoked'));
    expect(await t.cache.findByHash('hash-a')).toMatchObject({ status: 'active' });
    t.advance(5_000);
    expect(await t.cache.findByHash('hash-a')).toMatchObject({ status: 'revoked' });
  });

  it('applies a revocation through this isolate at once', async () => {
    const t = setup();
    await t.cache.findByHash('hash-a');
    await t.cache.findByHash('hash-b');
    t.stored.set('hash-a', record('a', 'revoked'));
    const store = forgettingKeyStore(
      { revoke: () => Promise.resolve(undefined) } as unknown as KeyStore,
      t.cache,
    );
    await store.revoke('a', 0);
    expect(await t.cache.findByHash('hash-a')).toMatchObject({ status: 'revoked' });
    // Other keys stay cached.
    await t.cache.findByHash('hash-b');
    expect(t.reads()).toBe(3);
  });

  it('evicts the oldest entry beyond its size, and with TTL 0 always reads', async () => {
    const small = setup(10_000, 1);
    await small.cache.findByHash('hash-a');
    await small.cache.findByHash('hash-b');
    await small.cache.findByHash('hash-a');
    expect(small.reads()).toBe(3);
    const off = setup(0);
    await off.cache.findByHash('hash-a');
    await off.cache.findByHash('hash-a');
    expect(off.reads()).toBe(2);
  });
});
