import { negationCues, roleWords, unitOf } from './guard-lexicon';
import { canonical } from './synonyms';
import { normalise, stem, stopWords, tokenize, type Token } from './text';

/** What the guards (guards.ts) read from a prompt's final user turn: pure, one pass per prompt. */

const questionWords: ReadonlySet<string> = new Set('what which how why who when where'.split(' '));
const pointedQuestions: ReadonlySet<string> = new Set(['who', 'when']);

export interface Facts {
  /** Stems of the words, stop words included (for "is this word anywhere in the other text"). */
  stems: Set<string>;
  normalised: string;
  identifiers: Set<string>;
  quoted: string[];
  numbers: number[];
  units: Set<string>;
  negated: boolean;
  entities: string[];
  /** Content stems and role words in order: what the word-order guard compares. */
  sequence: string[];
  /** Stems of the content words (no stop words, no numbers). */
  content: Set<string>;
  /** who / when: questions whose answer is a person or a time, not an explanation. */
  asks: Set<string>;
}

// Code-like tokens: `spans`, dotted.names, camelCase, snake_case, calls(), --flags, file.ext, /paths.
const identifierPatterns = [
  /`([^`]+)`/g,
  /\b[A-Za-z_$][\w$]*(?:(?:\.|::)[A-Za-z_$][\w$]*)+\b(?:\(\))?/g,
  /\b[a-z]+[A-Z][\w]*\b/g,
  /\b[A-Za-z]+_[\w]+\b/g,
  /\b[A-Za-z_][\w]*\(\)/g,
  /(?:^|\s)(--?[a-z][\w-]*)/g,
  /(?:^|\s)((?:\.{0,2}\/)[\w./-]+)/g,
];

function identifiersOf(text: string): Set<string> {
  const found = new Set<string>();
  for (const pattern of identifierPatterns) {
    for (const match of text.matchAll(pattern)) found.add((match[1] ?? match[0]).trim());
  }
  return found;
}

// Double quotes of any style, and single quotes that open after a space (not apostrophes).
const quotePattern = /["“”]([^"“”]+)["“”]|(?:^|\s)['‘]([^'‘’]+)['’](?=[\s.,?!:;]|$)/g;

function quotedOf(text: string): string[] {
  return [...text.matchAll(quotePattern)].map((m) => normalise(m[1] ?? m[2] ?? '').trim());
}

// Capitalised words that are not the first of a sentence, acronyms, and words with inner capitals.
function entitiesOf(text: string): string[] {
  const entities: string[] = [];
  for (const match of text.matchAll(/(^|[.!?:]\s+|\s|["(“])([A-Z][\w+#-]*)/g)) {
    const word = match[2]!;
    const sentenceStart = match.index === 0 || /[.!?:]\s+$/.test(match[1]!);
    const shouty = /^[A-Z0-9+#-]{2,}$/.test(word) || /[a-z][A-Z]/.test(word);
    if (word === 'I' || (sentenceStart && !shouty)) continue;
    entities.push(word.toLowerCase());
  }
  return entities;
}

function unitsOf(tokens: readonly Token[]): Set<string> {
  const units = new Set<string>();
  tokens.forEach((token, i) => {
    const text = token.kind === 'number' ? undefined : token.text;
    if (text === undefined) return;
    const unit = unitOf.get(text) ?? unitOf.get(text.replace(/s$/, ''));
    // Single letters ("g", "l", "w", "v") are units only right after a number.
    if (unit !== undefined && (text.length > 1 || tokens[i - 1]?.kind === 'number')) {
      units.add(unit);
    }
    // "°C" / "°F" arrive as the degree sign and a letter.
    if (text === '°') {
      const next = tokens[i + 1];
      if (next?.kind === 'word' && (next.text === 'c' || next.text === 'f')) {
        units.add(next.text === 'c' ? 'celsius' : 'fahrenheit');
      }
    }
  });
  return units;
}

/** Everything the guards compare, read once per prompt. */
export function factsOf(text: string): Facts {
  const tokens = tokenize(text);
  const words = tokens.flatMap((t) => (t.kind === 'word' ? [t.text] : []));
  const sequence = tokens.flatMap((t) =>
    t.kind === 'number'
      ? [`#${t.value}`]
      : t.kind === 'word' && (roleWords.has(t.text) || !stopWords.has(t.text))
        ? [roleWords.has(t.text) ? t.text : canonical(stem(t.text))]
        : [],
  );
  return {
    stems: new Set(words.map(stem)),
    normalised: normalise(text),
    identifiers: identifiersOf(text),
    quoted: quotedOf(text),
    numbers: tokens.flatMap((t) => (t.kind === 'number' ? [t.value] : [])).sort((a, b) => a - b),
    units: unitsOf(tokens),
    negated: words.some((w) => negationCues.has(w)),
    entities: entitiesOf(text),
    sequence,
    content: new Set(
      words
        .filter((w) => !stopWords.has(w) && !roleWords.has(w) && !questionWords.has(w))
        .map((w) => canonical(stem(w))),
    ),
    asks: new Set(words.filter((w) => pointedQuestions.has(w))),
  };
}
