import { mix32 as mix } from '../core/prefix-key';

/**
 * What the router reads from a prompt, without any model call: cheap text signals (length, code,
 * math and reasoning markers, enumerated sub-tasks) and signed hashed word and character n-grams.
 * The same code builds the training matrix (scripts/train-router.ts) and scores live requests, so
 * the two can never drift apart.
 */

/** Text signals the logistic model learns weights for, in this order. */
export const signalNames = [
  'length',
  'lines',
  'code',
  'math',
  'reasoning',
  'subtasks',
  'questions',
] as const;
export type SignalName = (typeof signalNames)[number];

/** Only this much of the prompt is hashed: enough to see what is asked, bounded CPU per request. */
export const maxHashedChars = 4000;

/** Hashed feature space: 2^bits signed buckets. */
export const defaultHashBits = 12;

const codePattern =
  /```|=>|[{};]\s*$|\b(?:def|fn|func|function|class|import|return|const|let|var|public|static|async|await|select|from|where|join|struct|impl|typedef|#include|lambda|regex|sql|stack trace|traceback|exception|segfault|compile[sr]?|refactor|debug|unit tests?|api|endpoint|python|typescript|javascript|rust|golang|java|c\+\+|kotlin|bash|dockerfile|kubernetes)\b/gim;
const mathPattern =
  /[=^√∑∫≤≥±×÷]|\d\s*[-+*/]\s*\d|\b(?:prove|proof|theorem|lemma|integral|derivative|equation|solve|probability|expected value|matrix|eigen\w*|polynomial|modulo|prime|limit|converge\w*|inequality|combinatori\w*|optimi[sz]e|variance|regression|bayes\w*|induction)\b/gi;
const reasoningPattern =
  /\b(?:step by step|why|trade-?offs?|compare|contrast|analy[sz]e|analysis|evaluate|justify|critique|design|architecture|strategy|plan|pros and cons|implications?|root cause|reason(?:ing)?|hypothes[ie]s|assumptions?|counter-?arguments?|edge cases?|derive|estimate|recommend\w*|diagnos\w*)\b/gi;
const subtaskPattern = /^\s*(?:\d+[.)]|[-*•]|\(?[a-h]\))\s+/gm;

function count(pattern: RegExp, text: string, cap: number): number {
  pattern.lastIndex = 0;
  let hits = 0;
  while (hits < cap && pattern.exec(text) !== null) hits += 1;
  return hits;
}

/**
 * The text signals, each scaled to about [0, 1] so one learned weight per signal means the same
 * for short and long prompts. `totalChars` is the whole conversation; `text` the turn to judge.
 */
export function textSignals(text: string, totalChars: number): number[] {
  const head = text.length > maxHashedChars ? text.slice(0, maxHashedChars) : text;
  let lines = 1;
  for (let i = 0; i < head.length; i++) if (head.charCodeAt(i) === 10) lines += 1;
  let questions = 0;
  for (let i = 0; i < head.length; i++) if (head.charCodeAt(i) === 63) questions += 1;
  return [
    Math.min(1, Math.log1p(totalChars) / Math.log1p(20_000)),
    Math.min(1, Math.log1p(lines) / Math.log1p(60)),
    count(codePattern, head, 8) / 8,
    count(mathPattern, head, 8) / 8,
    count(reasoningPattern, head, 6) / 6,
    count(subtaskPattern, head, 6) / 6,
    Math.min(questions, 4) / 4,
  ];
}

const fnvOffset = 0x811c9dc5;
const fnvPrime = 0x01000193;

function isWordChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 95 || code > 127;
}

/**
 * Signed feature hashing (Weinberger et al.): word unigrams and bigrams and character 4-grams of
 * the lowercased text, each hashed to a bucket with a sign from another hash bit so collisions
 * cancel on average. Counts are dampened (log) and the vector L2-normalised, so the prompt's length
 * speaks only through the length signal. Returns parallel arrays of buckets and values.
 */
export function hashedFeatures(
  text: string,
  bits = defaultHashBits,
): { index: Int32Array; value: Float32Array } {
  const lower = (text.length > maxHashedChars ? text.slice(0, maxHashedChars) : text).toLowerCase();
  const size = 1 << bits;
  const mask = size - 1;
  const acc = new Map<number, number>();
  const add = (hash: number) => {
    const h = mix(hash);
    const bucket = h & mask;
    const sign = h & 0x80000000 ? -1 : 1;
    acc.set(bucket, (acc.get(bucket) ?? 0) + sign);
  };

  // Words and word bigrams.
  let previous = 0;
  let word = fnvOffset;
  let inWord = false;
  for (let i = 0; i <= lower.length; i++) {
    const code = i < lower.length ? lower.charCodeAt(i) : 32;
    if (isWordChar(code)) {
      word = Math.imul(word ^ code, fnvPrime) >>> 0;
      inWord = true;
    } else if (inWord) {
      add(word);
      if (previous !== 0) add(Math.imul(previous ^ 0x9e3779b9, 31) ^ word);
      previous = word;
      word = fnvOffset;
      inWord = false;
    }
  }
  // Character 4-grams over the text with runs of whitespace folded into one space.
  let c1 = 0;
  let c2 = 0;
  let c3 = 0;
  let lastSpace = true;
  for (let i = 0; i < lower.length; i++) {
    let code = lower.charCodeAt(i);
    const space = code === 32 || code === 10 || code === 9 || code === 13;
    if (space) {
      if (lastSpace) continue;
      code = 32;
    }
    lastSpace = space;
    if (c1 !== 0) {
      let h = Math.imul(fnvOffset ^ 0x5bd1e995 ^ c1, fnvPrime);
      h = Math.imul(h ^ c2, fnvPrime);
      h = Math.imul(h ^ c3, fnvPrime);
      h = Math.imul(h ^ code, fnvPrime) >>> 0;
      add(h);
    }
    c1 = c2;
    c2 = c3;
    c3 = code;
  }

  const index = new Int32Array(acc.size);
  const value = new Float32Array(acc.size);
  let norm = 0;
  let k = 0;
  for (const [bucket, raw] of acc) {
    const v = Math.sign(raw) * Math.log1p(Math.abs(raw));
    index[k] = bucket;
    value[k] = v;
    norm += v * v;
    k += 1;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < value.length; i++) value[i] = value[i]! * scale;
  return { index, value };
}
