import { createHash } from 'node:crypto';

/**
 * The prefix-cache keys of a prompt, as vLLM computes them: the prompt is cut into blocks of
 * `blockSize` tokens and each *full* block gets a hash of its parent block's hash plus its own
 * tokens. Because of the chain, a block hash identifies the whole prefix up to that block, so two
 * prompts share cache entries exactly as far as their token prefixes agree, block by block.
 *
 * `cacheSalt` enters the first block's hash only; through the chain it changes every hash after
 * it, so prompts with different salts never share a block (vLLM's `cache_salt`, which closes the
 * prefix-cache timing side channel between tenants).
 */
export function blockHashes(
  tokens: readonly string[],
  blockSize: number,
  cacheSalt?: string,
): string[] {
  const hashes: string[] = [];
  let parent = `root:${JSON.stringify(cacheSalt ?? null)}`;
  for (let start = 0; start + blockSize <= tokens.length; start += blockSize) {
    const block = tokens.slice(start, start + blockSize);
    // JSON keeps token boundaries unambiguous: ["ab","c"] and ["a","bc"] hash differently.
    parent = createHash('sha256')
      .update(`${parent}\n${JSON.stringify(block)}`)
      .digest('hex')
      .slice(0, 32);
    hashes.push(parent);
  }
  return hashes;
}
