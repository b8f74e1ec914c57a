import { fnv1a, mix32 } from '../../core/prefix-key';
import type { Embedder } from '../../ports';
import { canonical } from './synonyms';
import { stem, stopWords, tokenize } from './text';
import { l2Normalised } from './vectors';

/**
 * An offline `Embedder`: feature hashing of the prompt's words, word pairs and character
 * trigrams into a fixed number of dimensions, L2-normalised. Deterministic, no model, no I/O,
 * microseconds per prompt — for development, tests and deployments that must not send prompts
 * anywhere.
 *
 * What it is not: a language model. It sees that two prompts share words (after stop words are
 * dropped and a light stemmer has run), word order through word pairs, and spelling variants
 * through character trigrams. It does not know that "car" and "automobile" mean the same, so
 * paraphrases that change most of the words score low (missed hits), and prompts that differ in
 * one decisive word score high (the guards in guards.ts catch the classic cases). The measured
 * precision and recall are in bench/README.md ("Semantic cache quality").
 */

export interface LocalEmbedderOptions {
  /** 384 matches `@cf/baai/bge-small-en-v1.5`, so the Vectorize index configured for it fits. */
  dimensions?: number;
}

/**
 * The similarity a hit needs with this embedder, read off the curve in bench/README.md (the
 * highest recall on the development pairs with no false hit among them). Only meaningful for this
 * embedder: Workers AI's vectors score differently and need their own threshold.
 */
export const localEmbedderThreshold = 0.6;

/** Weights of the three feature families, set by hand; the pair set gave no reason to move them. */
const weights = { word: 1, pair: 0.7, trigram: 0.35 } as const;

/** Words and numbers with topic: stop words dropped, the rest stemmed, numbers kept distinct. */
export function contentTerms(text: string): string[] {
  const terms: string[] = [];
  for (const token of tokenize(text)) {
    if (token.kind === 'number') terms.push(`#${token.value}`);
    else if (token.kind === 'symbol') terms.push(`sym:${token.text}`);
    else if (!stopWords.has(token.text)) terms.push(canonical(stem(token.text)));
  }
  return terms;
}

function features(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const add = (feature: string, weight: number) =>
    out.set(feature, (out.get(feature) ?? 0) + weight);
  const terms = contentTerms(text);
  terms.forEach((term, i) => {
    add(`w:${term}`, weights.word);
    const next = terms[i + 1];
    if (next !== undefined) add(`p:${term} ${next}`, weights.pair);
    if (term.startsWith('#') || term.startsWith('sym:')) return;
    // Each word's trigrams share one word's worth of weight, so long words do not dominate.
    const padded = `<${term}>`;
    const count = Math.max(1, padded.length - 2);
    for (let j = 0; j + 3 <= padded.length; j++) {
      add(`c:${padded.slice(j, j + 3)}`, weights.trigram / Math.sqrt(count));
    }
  });
  return out;
}

export function createLocalEmbedder(options: LocalEmbedderOptions = {}): Embedder {
  const dimensions = options.dimensions ?? 384;
  const embedOne = (text: string): number[] => {
    const vector = new Array<number>(dimensions).fill(0);
    for (const [feature, weight] of features(text)) {
      const hash = mix32(fnv1a(feature));
      // Signed hashing: colliding features cancel on average instead of piling up.
      const sign = hash & 0x80000000 ? -1 : 1;
      // Repeats count sub-linearly: a word said three times is not three times the topic.
      vector[hash % dimensions]! += sign * Math.sqrt(weight);
    }
    // An empty prompt stays the zero vector: similar to nothing, never a hit.
    return l2Normalised(vector);
  };
  return {
    id: `local-hashed-ngrams-v1-${dimensions}`,
    dimensions,
    embed: (texts) => Promise.resolve(texts.map(embedOne)),
  };
}
