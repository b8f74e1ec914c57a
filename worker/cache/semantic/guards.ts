import { factsOf, type Facts } from './guard-facts';
import { opposites, roleWords } from './guard-lexicon';
import { stem } from './text';

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
  // The swapped terms are words with a role; "to" / "than" can only be the middle.
  const ends = shared.filter((t) => !roleWords.has(t));
  for (const u of ends) {
    for (const v of ends) {
      if (qp.get(u)! >= qp.get(v)! || sp.get(u)! <= sp.get(v)!) continue;
      const middle = shared.find(
        (m) =>
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
  // The detail is for tests and reports: a long prompt's number list must not become a log line.
  const fail = (reason: GuardReason, detail: string): GuardVerdict => ({
    pass: false,
    reason,
    detail: detail.length > 200 ? `${detail.slice(0, 199)}…` : detail,
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
