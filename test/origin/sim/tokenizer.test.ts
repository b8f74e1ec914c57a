import { describe, expect, it } from 'vitest';
import { countTokens, tokenize } from '../../../origin/sim/tokenizer';

describe('tokenize', () => {
  it.each([
    { text: '', tokens: [] },
    { text: 'Hello', tokens: ['Hello'] },
    { text: 'Hello world', tokens: ['Hello', ' world'] },
    { text: 'Hello, world!', tokens: ['Hello', ',', ' world', '!'] },
    { text: 'internationalization', tokens: ['internat', 'ionaliza', 'tion'] },
    { text: 'year 20250', tokens: ['year', ' 202', '50'] },
    { text: 'a  b', tokens: ['a', ' ', ' b'] },
    { text: 'line\nnext', tokens: ['line', '\n', 'next'] },
    {
      text: '<|im_start|>user\nHi<|im_end|>',
      tokens: ['<|im_start|>', 'user', '\n', 'Hi', '<|im_end|>'],
    },
    { text: 'naïve café', tokens: ['naïve', ' café'] },
    { text: 'ok 👍', tokens: ['ok', ' 👍'] },
  ])('splits $text into $tokens.length tokens', ({ text, tokens }) => {
    expect(tokenize(text)).toEqual(tokens);
    expect(countTokens(text)).toBe(tokens.length);
  });

  it.each([
    'The quick brown fox jumps over the lazy dog.',
    '  leading and trailing spaces  ',
    'tabs\tand\r\nwindows line ends',
    'symbols: {"json": [1, 2.5e10]} && <html>',
    'mixed 日本語 text and ½ fractions',
  ])('loses no character when splitting %j', (text) => {
    expect(tokenize(text).join('')).toBe(text);
  });
});
