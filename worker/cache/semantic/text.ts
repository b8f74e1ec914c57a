/**
 * The words of a prompt as the local embedder and the guards both see them: one tokenizer, so a
 * number the guards compare is the same number the embedder hashed.
 */

export type Token =
  | { kind: 'word'; text: string }
  | { kind: 'number'; value: number }
  | { kind: 'symbol'; text: string };

/** Contractions spelled out, so "isn't" and "is not" give the same words (and the negation). */
const contractions: [RegExp, string][] = [
  [/\bcan[’']t\b/g, 'can not'],
  [/\bwon[’']t\b/g, 'will not'],
  [/\bshan[’']t\b/g, 'shall not'],
  [/n[’']t\b/g, ' not'],
  [/[’']re\b/g, ' are'],
  [/[’']ve\b/g, ' have'],
  [/[’']ll\b/g, ' will'],
  [/[’']d\b/g, ' would'],
  [/[’']m\b/g, ' am'],
  [/\b(what|where|who|how|that|it|there|here)[’']s\b/g, '$1 is'],
  [/[’']s\b/g, ''],
];

/**
 * Number words up to the billions. "one" and "a" are left out on purpose: "which one is faster"
 * carries no quantity, and reading it as 1 would make the number guard reject a paraphrase.
 */
const numberWords: Record<string, number> = {
  zero: 0,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
  dozen: 12,
  hundred: 100,
  thousand: 1000,
  million: 1e6,
  billion: 1e9,
};

/** Lower-cased, NFKC-normalised, contractions spelled out. */
export function normalise(text: string): string {
  let out = text.normalize('NFKC').toLowerCase();
  for (const [pattern, replacement] of contractions) out = out.replace(pattern, replacement);
  return out;
}

// A number (1,000 / 3.5 / .5), a word, or a symbol that carries meaning (currency, percent, degree).
const tokenPattern =
  /(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(\p{L}+)?|(\p{L}[\p{L}\p{N}_]*)|([%$€£¥°+#])/gu;
const ordinalSuffix = /^(st|nd|rd|th)$/;
// Not "m": "5m" is as often five metres as five million.
const multiplierSuffix: Record<string, number> = { k: 1e3, bn: 1e9 };

/** Folds runs of number words ("two hundred fifty") into one value. */
function foldNumberWords(words: readonly number[]): number {
  let total = 0;
  let current = 0;
  for (const value of words) {
    if (value === 100) current = (current || 1) * 100;
    else if (value >= 1000) {
      total += (current || 1) * value;
      current = 0;
    } else current += value;
  }
  return total + current;
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let run: number[] = [];
  const flush = () => {
    if (run.length > 0) tokens.push({ kind: 'number', value: foldNumberWords(run) });
    run = [];
  };
  for (const [, digits, suffix, word, symbol] of normalise(text).matchAll(tokenPattern)) {
    if (word !== undefined && numberWords[word] !== undefined) {
      run.push(numberWords[word]);
      continue;
    }
    flush();
    if (digits !== undefined) tokens.push(...numberWithSuffix(digits, suffix ?? ''));
    else if (word !== undefined) tokens.push({ kind: 'word', text: word });
    else if (symbol !== undefined) tokens.push({ kind: 'symbol', text: symbol });
  }
  flush();
  return tokens;
}

/** "5kg", "10ms", "3rd", "2k": a number with a word glued to it. */
function numberWithSuffix(digits: string, suffix: string): Token[] {
  const value = Number(digits.replaceAll(',', ''));
  if (ordinalSuffix.test(suffix) || suffix === '') return [{ kind: 'number', value }];
  const multiplier = multiplierSuffix[suffix];
  if (multiplier !== undefined) return [{ kind: 'number', value: value * multiplier }];
  return [
    { kind: 'number', value },
    { kind: 'word', text: suffix },
  ];
}

/**
 * Function words that carry no topic. Negations, question words and directional prepositions are
 * NOT here: "why" is not "how", and "from" / "to" decide who does what to whom.
 */
export const stopWords: ReadonlySet<string> = new Set(
  (
    'a an the is are was were be been being am do does did doing i me my mine you your yours we ' +
    'us our ours it its this that these those of in on at as and or so if then there here ' +
    'can could would should will shall may might must please kindly just also really very ' +
    'some any tell give show let get got know want need like some something someone thing things ' +
    'about with have has had hey hi hello thanks thank briefly each per every all exactly actually ' +
    'for to from by into than over'
  ).split(' '),
);

const vowel = /[aeiouy]/;

/**
 * A light English stemmer (plural, -ing, -ed, -ly, final e) — enough that "sorting", "sorts" and
 * "sort" meet, not a Porter stemmer: over-stemming would merge words the guards must tell apart.
 */
export function stem(word: string): string {
  if (word.length <= 3 || !/^[a-z]+$/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (/(xes|ches|shes|zes)$/.test(w)) w = w.slice(0, -2);
  else if (/[^sui]s$/.test(w) && vowel.test(w.slice(0, -1))) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length > 5 && vowel.test(w.slice(0, -3))) w = w.slice(0, -3);
  else if (w.endsWith('ed') && w.length > 4 && vowel.test(w.slice(0, -2))) w = w.slice(0, -2);
  else if (w.endsWith('ly') && w.length > 5) w = w.slice(0, -2);
  // "running" → "runn" → "run"; "making" → "mak" and "make" → "mak".
  if (/([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1);
  return w;
}
