import { describe, expect, it } from 'vitest';
import { stem, tokenize, type Token } from '../../worker/cache/semantic/text';

const numbers = (text: string) =>
  tokenize(text).flatMap((t: Token) => (t.kind === 'number' ? [t.value] : []));

describe('tokenize', () => {
  it.each([
    ['1,000 users', [1000]],
    ['pi is 3.14', [3.14]],
    ['two hundred fifty rows', [250]],
    ['three thousand and twelve', [3000, 12]],
    ['the 3rd item', [3]],
    ['10k requests', [10000]],
    ['list 1,2,3', [1, 2, 3]],
    ['which one is faster', []],
  ])('reads the numbers of %j', (text, expected) => {
    expect(numbers(text)).toEqual(expected);
  });

  it('splits a unit glued to its number', () => {
    expect(tokenize('5kg')).toEqual([
      { kind: 'number', value: 5 },
      { kind: 'word', text: 'kg' },
    ]);
  });

  it('spells contractions out, so the negation is a word', () => {
    const words = tokenize("isn't it? can't be, won't do").flatMap((t) =>
      t.kind === 'word' ? [t.text] : [],
    );
    expect(words).toEqual(['is', 'not', 'it', 'can', 'not', 'be', 'will', 'not', 'do']);
  });
});

describe('stem', () => {
  it.each([
    ['sorting', 'sort'],
    ['sorts', 'sort'],
    ['sorted', 'sort'],
    ['running', 'run'],
    ['making', 'mak'],
    ['make', 'mak'],
    ['libraries', 'library'],
    ['classes', 'class'],
    ['boxes', 'box'],
    ['https', 'https'],
    ['bus', 'bus'],
    ['analysis', 'analysis'],
    ['api', 'api'],
  ])('%s → %s', (word, expected) => {
    expect(stem(word)).toBe(expected);
  });
});
