/**
 * Collects the text a stream generated, for keys that store payloads (RELIABILITY O2). Only the
 * relay uses it, and only when asked, so streams of other keys pay nothing for it.
 *
 * Content deltas (chat) and `text` pieces (completions) are kept per choice index and joined in
 * index order, so `n > 1` choices do not interleave. Tool-call arguments are not text and are not
 * kept. Past `maxChars` (UTF-16 code units) nothing more is kept and the capture is truncated.
 */

import { isObject } from './stream-chunk';

export interface CapturedText {
  text: string;
  truncated: boolean;
}

export interface TextCapture {
  add(chunk: Record<string, unknown>): void;
  result(): CapturedText;
}

/** Put between the texts of different choices of one request. */
export const choiceSeparator = '\n\n';

function pieceOf(choice: Record<string, unknown>): string | undefined {
  if (typeof choice.text === 'string') return choice.text;
  const delta = choice.delta;
  return isObject(delta) && typeof delta.content === 'string' ? delta.content : undefined;
}

export function createTextCapture(maxChars: number): TextCapture {
  const byChoice = new Map<number, string[]>();
  let keptChars = 0;
  let truncated = false;
  return {
    add(chunk) {
      const choices = Array.isArray(chunk.choices) ? (chunk.choices as unknown[]) : [];
      for (const choice of choices) {
        if (!isObject(choice)) continue;
        const piece = pieceOf(choice);
        if (piece === undefined || piece.length === 0) continue;
        const kept = piece.slice(0, Math.max(0, maxChars - keptChars));
        if (kept.length < piece.length) truncated = true;
        if (kept.length === 0) continue;
        keptChars += kept.length;
        const index = typeof choice.index === 'number' ? choice.index : 0;
        const pieces = byChoice.get(index);
        if (pieces === undefined) byChoice.set(index, [kept]);
        else pieces.push(kept);
      }
    },
    result() {
      const text = [...byChoice.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, pieces]) => pieces.join(''))
        .join(choiceSeparator);
      return { text, truncated };
    },
  };
}
