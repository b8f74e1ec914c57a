/**
 * The routing key of a request's prompt prefix (DESIGN §2, replica choice): a chained FNV-1a hash
 * over the rendered conversation in fixed-size blocks, seeded with the model. Only the first
 * `affinityBlocks` blocks count, so requests sharing a system prompt — and one conversation as it
 * grows turn by turn — keep the same key and land where their KV cache lives.
 */

/** Characters per block: about 64 tokens, vLLM's prefix-cache granularity is 16 tokens. */
export const blockChars = 256;
/** Blocks that make the key: the first ~1,000 characters (system prompt and opening turn). */
export const affinityBlocks = 4;

const fnvOffset = 0x811c9dc5;
const fnvPrime = 0x01000193;

/** 32-bit FNV-1a over UTF-16 code units, continuing from `seed`. */
export function fnv1a(text: string, seed = fnvOffset): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, fnvPrime) >>> 0;
  }
  return hash;
}

/** MurmurHash3's finaliser: spreads every input bit over the output (FNV alone mixes weakly). */
export function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** The conversation as the engine's chat template would see it, roughly: role markers and text. */
export function renderConversation(
  messages: readonly { role: string; content?: string | readonly { text?: string }[] | null }[],
): string {
  let out = '';
  for (const message of messages) {
    const content =
      typeof message.content === 'string'
        ? message.content
        : (message.content ?? []).map((part) => part.text ?? '').join('');
    out += `<|${message.role}|>${content}`;
  }
  return out;
}

/** The chained block hash of the first `affinityBlocks` blocks (fewer for a short prompt). */
export function prefixKey(model: string, rendered: string): number {
  let hash = fnv1a(model);
  const end = Math.min(rendered.length, blockChars * affinityBlocks);
  for (let start = 0; start < end; start += blockChars) {
    hash = fnv1a(rendered.slice(start, Math.min(start + blockChars, end)), hash);
  }
  return hash;
}
