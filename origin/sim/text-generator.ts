import { createSeededRng, hash32, nextInt, pick, type Rng } from './seeded-random';
import { wordList } from './word-list';

export type FinishReason = 'stop' | 'length';

/** What decides one generated answer. Equal inputs always give equal output. */
export interface GenerationInput {
  /** The rendered prompt (chat template applied) the answer continues. */
  prompt: string;
  /** The request's `seed` (0 when absent). */
  seed: number;
  /** The process-wide `--sim-seed`. */
  simSeed: number;
  /** Distinguishes the `n` choices of one request; equal variants give equal text (greedy). */
  variant: number;
  /** Hard cap on generated tokens (`max_tokens`, or what is left of the context). */
  maxTokens: number;
  /** Stop strings: the text ends before the first occurrence of any of them. */
  stop: readonly string[];
  /** vLLM's `ignore_eos`: keep generating until `maxTokens` instead of ending naturally. */
  ignoreEos: boolean;
}

export interface GeneratedText {
  /** The answer as streamed, one entry per token (see tokenizer.ts for why they line up). */
  tokens: string[];
  finishReason: FinishReason;
}

/** Bounds of the natural answer length, in tokens, before the final sentence is completed. */
const minNaturalTokens = 12;
const maxNaturalTokens = 96;
const minSentenceWords = 4;
const maxSentenceWords = 14;
const commaProbability = 0.12;

/**
 * Generates a deterministic English-looking answer. The text is a function of prompt, seeds and
 * variant only; `maxTokens` and `stop` merely cut it, so a longer `max_tokens` extends the same
 * text instead of producing a different one.
 */
export function generateText(input: GenerationInput): GeneratedText {
  const rng = createSeededRng(
    hash32(input.prompt, hash32(`${input.simSeed}:${input.seed}:${input.variant}`)),
  );
  const naturalTarget = input.ignoreEos
    ? Number.POSITIVE_INFINITY
    : nextInt(rng, minNaturalTokens, maxNaturalTokens);
  const tokens: string[] = [];
  // The natural end is only checked between sentences, so an answer always ends on a full stop.
  while (tokens.length < input.maxTokens && tokens.length < naturalTarget) {
    appendSentence(rng, tokens, input.maxTokens);
  }
  const stopped = cutAtStop(tokens, input.stop);
  if (stopped) return { tokens: stopped, finishReason: 'stop' };
  // Like an engine that would emit its end-of-sequence token next: hitting the cap wins.
  return { tokens, finishReason: tokens.length < input.maxTokens ? 'stop' : 'length' };
}

function appendSentence(rng: Rng, tokens: string[], maxTokens: number): void {
  const wordCount = nextInt(rng, minSentenceWords, maxSentenceWords);
  for (let i = 0; i < wordCount && tokens.length < maxTokens; i++) {
    const word = pick(rng, wordList);
    const text = i === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word;
    tokens.push(tokens.length === 0 ? text : ` ${text}`);
    const isLast = i === wordCount - 1;
    if (!isLast && tokens.length < maxTokens && rng.next() < commaProbability) tokens.push(',');
  }
  if (tokens.length < maxTokens) tokens.push('.');
}

/**
 * Cuts `tokens` before the earliest occurrence of any stop string, as vLLM does (the stop string
 * itself is not returned). A token the cut falls inside is kept in part. Returns undefined when no
 * stop string occurs.
 */
export function cutAtStop(
  tokens: readonly string[],
  stop: readonly string[],
): string[] | undefined {
  const text = tokens.join('');
  let cutAt = -1;
  for (const candidate of stop) {
    if (candidate === '') continue;
    const at = text.indexOf(candidate);
    if (at !== -1 && (cutAt === -1 || at < cutAt)) cutAt = at;
  }
  if (cutAt === -1) return undefined;
  const kept: string[] = [];
  let offset = 0;
  for (const token of tokens) {
    if (offset >= cutAt) break;
    kept.push(token.slice(0, cutAt - offset));
    offset += token.length;
  }
  return kept;
}
