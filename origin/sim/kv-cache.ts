/**
 * A paged KV cache with automatic prefix caching, modelled on vLLM's block manager:
 *
 * - memory is `totalBlocks` blocks of `blockSize` tokens;
 * - a sequence's full prompt blocks are registered under their chained hash (block-hashes.ts);
 *   a later prompt with the same prefix reuses them instead of recomputing (a prefix hit);
 * - when a sequence ends, its hashed blocks stay cached with no user, and are evicted least
 *   recently used first when a block is needed; the deepest block of a prefix is freed first, so
 *   the shared root of a prefix is the last to go;
 * - a sequence reserves, on admission, every block it will ever need (the simulator knows the
 *   whole answer up front), so it never has to be preempted; it *takes* them as tokens arrive, so
 *   usage grows with generation as in vLLM.
 *
 * Not modelled: caching blocks of generated tokens, sharing a block two sequences compute at the
 * same time, preemption and swapping. Deterministic and free of I/O.
 */

export interface KvCacheConfig {
  blockSize: number;
  totalBlocks: number;
  /** `--enable-prefix-caching`: without it nothing is shared and nothing stays cached. */
  prefixCaching: boolean;
}

export interface SequenceRequest {
  /** Hashes of the prompt's full blocks, in order. */
  blockHashes: readonly string[];
  promptTokens: number;
  /** Prompt plus every token the sequence will generate. */
  maxTokens: number;
}

export interface KvSequence {
  /** Prompt tokens found in the prefix cache: a whole number of blocks. */
  readonly hitTokens: number;
  /** The sequence now holds `tokens` tokens (prompt plus generated); takes blocks as needed. */
  grow(tokens: number): void;
  /** Returns the blocks; hashed prompt blocks stay cached until evicted. Idempotent. */
  release(): void;
}

export interface KvCacheStats {
  totalBlocks: number;
  /** Blocks held by running sequences. */
  usedBlocks: number;
  /** Blocks kept for reuse that no sequence holds (evictable). */
  cachedBlocks: number;
}

export interface KvCache {
  /** Admits a sequence, or `undefined` when its blocks cannot be found now (it must wait). */
  allocate(request: SequenceRequest): KvSequence | undefined;
  stats(): KvCacheStats;
  /** Drops every cached block no sequence holds (vLLM discards the KV cache when it sleeps). */
  clear(): void;
}

export function createKvCache(config: KvCacheConfig): KvCache {
  const { blockSize, totalBlocks } = config;
  /** Hashed blocks present in memory → number of sequences holding each (0 = idle, evictable). */
  const refs = new Map<string, number>();
  /** Idle hashed blocks in eviction order: insertion order, first = least recently used. */
  const idle = new Set<string>();
  /** Blocks in use that carry no hash: partial prompt blocks and generated tokens. */
  let privateBlocks = 0;
  /** Blocks promised to admitted sequences and not taken yet. */
  let reserved = 0;

  const freeBlocks = (): number => totalBlocks - refs.size - privateBlocks;
  const available = (): number => freeBlocks() + idle.size - reserved;

  /** Makes sure a free block exists, evicting the least recently used idle block if needed. */
  const makeRoom = (): void => {
    if (freeBlocks() > 0) return;
    const [oldest] = idle;
    // Unreachable while reservations are honoured: available() never goes below zero.
    if (oldest === undefined) throw new Error('KV cache over-committed');
    idle.delete(oldest);
    refs.delete(oldest);
  };

  const allocate = (request: SequenceRequest): KvSequence | undefined => {
    const hashes = config.prefixCaching ? request.blockHashes : [];
    // vLLM always computes at least the last prompt token, so a fully cached prompt hits one
    // block less than it could.
    const maxHitBlocks = Math.floor(Math.max(0, request.promptTokens - 1) / blockSize);
    let hitBlocks = 0;
    while (hitBlocks < Math.min(hashes.length, maxHitBlocks) && refs.has(hashes[hitBlocks] ?? ''))
      hitBlocks++;
    const hits = hashes.slice(0, hitBlocks);
    const idleHits = hits.filter((hash) => refs.get(hash) === 0).length;
    // A request larger than the whole cache takes all of it rather than waiting forever.
    const needed = Math.min(
      Math.max(0, Math.ceil(request.maxTokens / blockSize) - hitBlocks),
      totalBlocks - hitBlocks,
    );
    if (needed + idleHits > available()) return undefined;

    for (const hash of hits) {
      refs.set(hash, (refs.get(hash) ?? 0) + 1);
      idle.delete(hash);
    }
    reserved += needed;
    return sequence(hashes, hits, needed);
  };

  const sequence = (
    hashes: readonly string[],
    hits: readonly string[],
    reservation: number,
  ): KvSequence => {
    /** Blocks this sequence took: a hash when it registered a prompt block, else undefined. */
    const own: (string | undefined)[] = [];
    let left = reservation;
    let released = false;
    return {
      hitTokens: hits.length * blockSize,
      grow(tokens) {
        if (released) return;
        const wanted = Math.ceil(tokens / blockSize) - hits.length;
        while (own.length < wanted && left > 0) {
          makeRoom();
          reserved -= 1;
          left -= 1;
          const hash = hashes[hits.length + own.length];
          if (hash !== undefined && !refs.has(hash)) {
            refs.set(hash, 1);
            own.push(hash);
          } else {
            privateBlocks += 1;
            own.push(undefined);
          }
        }
      },
      release() {
        if (released) return;
        released = true;
        reserved -= left;
        left = 0;
        for (const block of [...hits, ...own].reverse()) {
          if (block === undefined) {
            privateBlocks -= 1;
            continue;
          }
          const remaining = (refs.get(block) ?? 1) - 1;
          refs.set(block, remaining);
          if (remaining === 0) idle.add(block);
        }
      },
    };
  };

  return {
    allocate,
    stats: () => ({
      totalBlocks,
      usedBlocks: refs.size - idle.size + privateBlocks,
      cachedBlocks: idle.size,
    }),
    clear() {
      for (const hash of idle) refs.delete(hash);
      idle.clear();
    },
  };
}
