import { negationCues, opposites, roleWords, unitOf } from './guard-lexicon';
import { canonical } from './synonyms';
import { normalise, stem, stopWords, tokenize, type Token } from './text';

/**
 * False-hit guards for the semantic cache (issue 5, RELIABILITY K4): after the index has found a
 * stored prompt similar enough to the query, these pure checks compare the query's final user turn
 * with the stored one and reject the classic near-misses that any embedding scores as close —
 * another number or unit, a negation, opposite words, swapped roles, another code identifier,
 * another named entity or quoted string. A guard only ever turns a hit into a miss, so a wrong
 * rejection costs one upstream call and a wrong pass would cost a wrong answer: they err strict.
 */

export type GuardReason =
  | 'identifiers'
  | 'quoted'
  | 'numbers'
  | 'units'
  | 'negation'
  | 'opposites'
  | 'entities'
  | 'question'
  | 'substitution'
  | 'word-order';

export type GuardVerdict = { pass: true } | { pass: false; reason: GuardReason; detail: string };

interface Facts {
  tokens: Token[];
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

function factsOf(text: string): Facts {
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
    tokens,
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

const questionWords: ReadonlySet<string> = new Set([
  'what',
  'which',
  'how',
  'why',
  'who',
  'when',
  'where',
]);
const pointedQuestions: ReadonlySet<string> = new Set(['who', 'when']);
// "un-", "in-", "dis-" … turn a word into its opposite: "safe" / "unsafe", "correct" / "incorrect".
const negatingPrefixes = ['un', 'in', 'il', 'im', 'ir', 'dis', 'non'];

const trigrams = (word: string) => {
  const padded = `<${word}>`;
  return new Set(Array.from({ length: padded.length - 2 }, (_, i) => padded.slice(i, i + 3)));
};

/** "colour" / "color", "organise" / "organize": one word spelled two ways, not two words. */
function spellingVariants(a: string, b: string): boolean {
  const ta = trigrams(a);
  const tb = trigrams(b);
  const shared = [...ta].filter((t) => tb.has(t)).length;
  return shared / (ta.size + tb.size - shared) >= 0.5;
}

function negatedByPrefix(q: Facts, s: Facts): string | undefined {
  for (const [one, other] of [
    [q, s],
    [s, q],
  ] as const) {
    for (const word of one.content) {
      const base = negatingPrefixes.find(
        (p) => word.startsWith(p) && other.content.has(word.slice(p.length)),
      );
      if (base !== undefined && !one.content.has(word.slice(base.length))) return word;
    }
  }
  return undefined;
}

/**
 * One content word swapped for another, everything else the same: "chocolate cake" / "carrot
 * cake", "capital of Spain" / "capital of France". A paraphrase that swaps exactly one word for a
 * synonym is rejected too; that costs a hit, never a wrong answer.
 */
function substitutedWord(q: Facts, s: Facts): string | undefined {
  const onlyQ = [...q.content].filter((w) => !s.content.has(w));
  const onlyS = [...s.content].filter((w) => !q.content.has(w));
  if (onlyQ.length !== 1 || onlyS.length !== 1) return undefined;
  const [a, b] = [onlyQ[0]!, onlyS[0]!];
  return spellingVariants(a, b) ? undefined : `${a} vs ${b}`;
}

const sameSet = <T>(a: ReadonlySet<T>, b: ReadonlySet<T>) =>
  a.size === b.size && [...a].every((x) => b.has(x));

const stemmedOpposites = opposites.map(
  ([one, other]) => [new Set(one.map(stem)), new Set(other.map(stem))] as const,
);

function oppositeWords(q: Facts, s: Facts): string | undefined {
  const has = (facts: Facts, side: ReadonlySet<string>) =>
    [...side].some((w) => facts.stems.has(w));
  for (const [one, other] of stemmedOpposites) {
    const flipped =
      (has(q, one) && !has(q, other) && has(s, other) && !has(s, one)) ||
      (has(q, other) && !has(q, one) && has(s, one) && !has(s, other));
    if (flipped) return `${[...one].join('/')} vs ${[...other].join('/')}`;
  }
  return undefined;
}

/**
 * Swapped roles: three terms both prompts use once each, in the order u … m … v in one and
 * v … m … u in the other ("cat chases dog" / "dog chases cat", "Celsius to Fahrenheit" /
 * "Fahrenheit to Celsius"). Moving a whole clause ("In Python, how do I …" / "How do I … in
 * Python") never mirrors a triple around a shared middle, so paraphrases pass.
 */
function swappedRoles(q: Facts, s: Facts): string | undefined {
  const once = (sequence: readonly string[]) => {
    const positions = new Map<string, number>();
    const seen = new Set<string>();
    sequence.forEach((term, i) => {
      if (seen.has(term)) positions.delete(term);
      else positions.set(term, i);
      seen.add(term);
    });
    return positions;
  };
  const qp = once(q.sequence);
  const sp = once(s.sequence);
  const shared = [...qp.keys()].filter((t) => sp.has(t)).slice(0, 40);
  for (const u of shared) {
    for (const v of shared) {
      if (qp.get(u)! >= qp.get(v)! || sp.get(u)! <= sp.get(v)!) continue;
      const middle = shared.find(
        (m) =>
          !roleWords.has(u) &&
          !roleWords.has(v) &&
          qp.get(u)! < qp.get(m)! &&
          qp.get(m)! < qp.get(v)! &&
          sp.get(v)! < sp.get(m)! &&
          sp.get(m)! < sp.get(u)!,
      );
      if (middle !== undefined) return `${u} … ${middle} … ${v} reversed`;
    }
  }
  return undefined;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A named entity of one prompt that the other never mentions, as a whole word. */
function missingEntity(from: Facts, other: Facts): string | undefined {
  return from.entities.find((e) => {
    const word = new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(e)}($|[^\\p{L}\\p{N}+#])`, 'u');
    return !word.test(other.normalised) && !other.stems.has(stem(e));
  });
}

/** Runs every guard and says which one rejected the pair, for tests and the quality report. */
export function guardVerdict(query: string, stored: string): GuardVerdict {
  const q = factsOf(query);
  const s = factsOf(stored);
  const fail = (reason: GuardReason, detail: string): GuardVerdict => ({
    pass: false,
    reason,
    detail,
  });
  if (!sameSet(q.identifiers, s.identifiers)) {
    return fail(
      'identifiers',
      `${[...q.identifiers].join(',')} vs ${[...s.identifiers].join(',')}`,
    );
  }
  const quote =
    q.quoted.find((x) => !s.normalised.includes(x)) ??
    s.quoted.find((x) => !q.normalised.includes(x));
  if (quote !== undefined) return fail('quoted', quote);
  if (q.numbers.join(',') !== s.numbers.join(',')) {
    return fail('numbers', `${q.numbers.join(',')} vs ${s.numbers.join(',')}`);
  }
  if (!sameSet(q.units, s.units)) {
    return fail('units', `${[...q.units].join(',')} vs ${[...s.units].join(',')}`);
  }
  if (q.negated !== s.negated) return fail('negation', q.negated ? 'query' : 'stored');
  const opposite = oppositeWords(q, s);
  if (opposite !== undefined) return fail('opposites', opposite);
  const prefixed = negatedByPrefix(q, s);
  if (prefixed !== undefined) return fail('negation', prefixed);
  const entity = missingEntity(q, s) ?? missingEntity(s, q);
  if (entity !== undefined) return fail('entities', entity);
  if (!sameSet(q.asks, s.asks)) {
    return fail('question', `${[...q.asks].join(',')} vs ${[...s.asks].join(',')}`);
  }
  const substitution = substitutedWord(q, s);
  if (substitution !== undefined) return fail('substitution', substitution);
  const swap = swappedRoles(q, s);
  if (swap !== undefined) return fail('word-order', swap);
  return { pass: true };
}

/** True when nothing suggests the stored answer answers a different question. */
export function guardsPass(query: string, stored: string): boolean {
  return guardVerdict(query, stored).pass;
}
