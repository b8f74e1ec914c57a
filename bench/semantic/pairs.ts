import { readFileSync } from 'node:fs';
import * as z from 'zod';

/**
 * The labelled pair set (test/fixtures/semantic-pairs.jsonl): a stored prompt and a later query,
 * with what a correct semantic cache does — `hit` (same question, serve the stored answer) or
 * `miss` (a different question however close the words). System prompt and earlier turns are
 * part of the cache scope, not of the embedded text.
 */

const pairSchema = z.object({
  id: z.number().int().positive(),
  kind: z.string(),
  expect: z.enum(['hit', 'miss']),
  stored: z.string(),
  query: z.string(),
  storedSystem: z.string().optional(),
  querySystem: z.string().optional(),
  storedHistory: z.array(z.string()).optional(),
  queryHistory: z.array(z.string()).optional(),
});

export type Pair = z.infer<typeof pairSchema>;

export function loadPairs(file: string): Pair[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const parsed = pairSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.message}`);
      return parsed.data;
    });
}

/**
 * Every third pair is held out: the guards and the embedder's weights were tuned looking only at
 * the other two thirds ("development"), and the held-out third says whether that generalises.
 */
export type Split = 'development' | 'held-out';
export const splitOf = (pair: Pair): Split => (pair.id % 3 === 0 ? 'held-out' : 'development');

/** Whether the two sides share a cache scope (system prompt and earlier turns). */
export function sameScope(pair: Pair): boolean {
  return (
    (pair.storedSystem ?? '') === (pair.querySystem ?? '') &&
    JSON.stringify(pair.storedHistory ?? []) === JSON.stringify(pair.queryHistory ?? [])
  );
}
