import { describe, expect, it } from 'vitest';
import { blockHashes } from '../../../origin/sim/block-hashes';
import { createKvCache, type KvCacheConfig } from '../../../origin/sim/kv-cache';

const blockSize = 4;
const config = (overrides: Partial<KvCacheConfig> = {}): KvCacheConfig => ({
  blockSize,
  totalBlocks: 64,
  prefixCaching: true,
  ...overrides,
});

/** A prompt of `length` tokens, distinct per `name`, with its block hashes. */
function prompt(name: string, length: number, salt?: string) {
  const tokens = Array.from({ length }, (_, i) => `${name}${i}`);
  return { blockHashes: blockHashes(tokens, blockSize, salt), promptTokens: length };
}

/** Runs one sequence to completion (prompt plus `generated` tokens) and returns its hits. */
function run(cache: ReturnType<typeof createKvCache>, p: ReturnType<typeof prompt>, generated = 1) {
  const sequence = cache.allocate({ ...p, maxTokens: p.promptTokens + generated });
  if (sequence === undefined) throw new Error('not admitted');
  sequence.grow(p.promptTokens + generated);
  sequence.release();
  return sequence.hitTokens;
}

describe('KV cache with prefix caching', () => {
  it.each([
    ['a cold prompt', [], prompt('a', 12), 0],
    [
      'the same prompt again (the last block is always recomputed)',
      [prompt('a', 12)],
      prompt('a', 12),
      8,
    ],
    ['the same prompt with a partial block after it', [prompt('a', 14)], prompt('a', 14), 12],
    ['a longer prompt sharing the prefix', [prompt('a', 8)], prompt('a', 20), 8],
    [
      'the same prompt with a different cache_salt',
      [prompt('a', 12, 't1')],
      prompt('a', 12, 't2'),
      0,
    ],
    ['the same prompt with the same cache_salt', [prompt('a', 12, 't1')], prompt('a', 12, 't1'), 8],
  ])('hits on %s', (_name, before, next, hitTokens) => {
    const cache = createKvCache(config());
    for (const earlier of before) run(cache, earlier);
    expect(run(cache, next)).toBe(hitTokens);
  });

  it('keeps finished prompt blocks cached, held by nobody', () => {
    const cache = createKvCache(config());
    run(cache, prompt('a', 12), 5);
    expect(cache.stats()).toEqual({ totalBlocks: 64, usedBlocks: 0, cachedBlocks: 3 });
  });

  it('takes blocks as tokens arrive, not all at admission', () => {
    const cache = createKvCache(config());
    const sequence = cache.allocate({ ...prompt('a', 8), maxTokens: 20 });
    expect(cache.stats().usedBlocks).toBe(0);
    sequence?.grow(9);
    expect(cache.stats().usedBlocks).toBe(3);
    sequence?.grow(20);
    expect(cache.stats().usedBlocks).toBe(5);
    sequence?.grow(99);
    expect(cache.stats().usedBlocks).toBe(5);
  });

  it('shares cached blocks between running sequences instead of copying them', () => {
    const cache = createKvCache(config());
    run(cache, prompt('a', 16));
    const one = cache.allocate({ ...prompt('a', 16), maxTokens: 17 });
    const two = cache.allocate({ ...prompt('a', 16), maxTokens: 17 });
    one?.grow(17);
    two?.grow(17);
    // 3 shared prefix blocks + per sequence: the recomputed last prompt block and one generated.
    expect(cache.stats().usedBlocks).toBe(3 + 2 + 2);
  });

  it('evicts the least recently used cached blocks, deepest block of a prefix first', () => {
    const cache = createKvCache(config({ totalBlocks: 6 }));
    run(cache, prompt('a', 8)); // a0 a1 cached (+1 private block freed)
    run(cache, prompt('b', 8)); // b0 b1 cached
    run(cache, prompt('c', 12)); // needs 4 blocks: 2 free, then evicts a1 and a0
    expect(run(cache, prompt('b', 12))).toBe(8);
    expect(run(cache, prompt('a', 12))).toBe(0);
  });

  it('refreshes a block when it is hit, so a popular prefix outlives a newer idle one', () => {
    const cache = createKvCache(config({ totalBlocks: 6 }));
    run(cache, prompt('a', 8));
    run(cache, prompt('b', 8));
    run(cache, prompt('a', 12)); // hit: a0 a1 become the most recent
    run(cache, prompt('c', 12));
    expect(run(cache, prompt('a', 12))).toBe(8);
    expect(run(cache, prompt('b', 12))).toBe(0);
  });

  it('refuses a sequence whose blocks cannot all be found, until others release theirs', () => {
    const cache = createKvCache(config({ totalBlocks: 4 }));
    const first = cache.allocate({ ...prompt('a', 8), maxTokens: 12 });
    expect(cache.allocate({ ...prompt('b', 4), maxTokens: 8 })).toBeUndefined();
    first?.release();
    expect(cache.allocate({ ...prompt('b', 4), maxTokens: 8 })).toBeDefined();
  });

  it('admits a sequence larger than the whole cache alone rather than never', () => {
    const cache = createKvCache(config({ totalBlocks: 2 }));
    const huge = cache.allocate({ ...prompt('a', 4), maxTokens: 100 });
    huge?.grow(100);
    expect(cache.stats()).toMatchObject({ usedBlocks: 2 });
  });

  it('counts a released sequence once, however often it is released', () => {
    const cache = createKvCache(config());
    const sequence = cache.allocate({ ...prompt('a', 6), maxTokens: 8 });
    sequence?.grow(8);
    sequence?.release();
    sequence?.release();
    expect(cache.stats()).toEqual({ totalBlocks: 64, usedBlocks: 0, cachedBlocks: 1 });
  });

  it('drops only idle cached blocks when cleared (sleep)', () => {
    const cache = createKvCache(config());
    run(cache, prompt('a', 8));
    const running = cache.allocate({ ...prompt('b', 8), maxTokens: 9 });
    running?.grow(9);
    cache.clear();
    expect(cache.stats()).toEqual({ totalBlocks: 64, usedBlocks: 3, cachedBlocks: 0 });
    expect(run(cache, prompt('a', 12))).toBe(0);
  });
});

describe('KV cache without prefix caching', () => {
  it('never hits and keeps nothing once a sequence ends', () => {
    const cache = createKvCache(config({ prefixCaching: false }));
    run(cache, prompt('a', 12));
    expect(run(cache, prompt('a', 12))).toBe(0);
    expect(cache.stats()).toEqual({ totalBlocks: 64, usedBlocks: 0, cachedBlocks: 0 });
  });
});
