import { blockHashes } from '../../origin/sim/block-hashes';
import { createKvCache } from '../../origin/sim/kv-cache';
import { chatPromptInput } from '../../origin/sim/prompt-input';
import type { ScheduledRequest } from './workload';

/**
 * What the prefix cache could do for a workload at best, computed with the simulator's own
 * tokenizer, chat template and block hashes (so the numbers are in the same units as its
 * `vllm:prefix_cache_*` counters). Pure.
 */

export interface PromptBlocks {
  promptTokens: number;
  /** Chained hashes of the prompt's full blocks, salted per tenant. */
  hashes: string[];
}

export function promptBlocks(request: ScheduledRequest, blockSize: number): PromptBlocks {
  const input = chatPromptInput(request.messages);
  return {
    promptTokens: input.tokenCount,
    hashes: blockHashes(input.tokens, blockSize, request.cacheSalt),
  };
}

/** vLLM recomputes at least the last prompt token: a whole prompt can never be a hit. */
const hitLimit = (prompt: PromptBlocks, blockSize: number) =>
  Math.floor(Math.max(0, prompt.promptTokens - 1) / blockSize);

/**
 * The oracle, per request: prompt tokens that are a prefix (whole blocks) of some earlier
 * request's prompt in the workload, i.e. what one replica with an unbounded cache would hit. No
 * placement on any pool of finite caches can hit more (generated tokens are not cached, as in the
 * simulator and vLLM).
 */
export function oracleHitTokens(prompts: readonly PromptBlocks[], blockSize: number): number[] {
  const seen = new Set<string>();
  return prompts.map((prompt) => {
    const limit = Math.min(prompt.hashes.length, hitLimit(prompt, blockSize));
    let hits = 0;
    while (hits < limit && seen.has(prompt.hashes[hits] ?? '')) hits++;
    for (const hash of prompt.hashes) seen.add(hash);
    return hits * blockSize;
  });
}

/**
 * Prompt-token hit ratio of one LRU prefix cache of `totalBlocks` that receives every request,
 * one after the other (the simulator's cache model, without concurrency). Says whether the
 * workload's working set fits in a cache of that size.
 */
export function lruHitRatio(
  prompts: readonly PromptBlocks[],
  blockSize: number,
  totalBlocks: number,
): number {
  const cache = createKvCache({ blockSize, totalBlocks, prefixCaching: true });
  let hits = 0;
  let queries = 0;
  for (const prompt of prompts) {
    const sequence = cache.allocate({
      blockHashes: prompt.hashes,
      promptTokens: prompt.promptTokens,
      maxTokens: prompt.promptTokens,
    });
    if (sequence === undefined) continue;
    sequence.grow(prompt.promptTokens);
    sequence.release();
    hits += sequence.hitTokens;
    queries += prompt.promptTokens;
  }
  return queries === 0 ? 0 : hits / queries;
}
