import { describe, expect, it } from 'vitest';
import { cutAtStop, generateText, type GenerationInput } from '../../../origin/sim/text-generator';
import { countTokens, tokenize } from '../../../origin/sim/tokenizer';
import { wordList } from '../../../origin/sim/word-list';

const base: GenerationInput = {
  prompt: '<|im_start|>user\nTell me a story<|im_end|>\n<|im_start|>assistant\n',
  seed: 0,
  simSeed: 0,
  variant: 0,
  maxTokens: 10_000,
  stop: [],
  ignoreEos: false,
};

const text = (input: Partial<GenerationInput>): string =>
  generateText({ ...base, ...input }).tokens.join('');

describe('generateText', () => {
  it('returns the same text for the same prompt, seeds and variant', () => {
    expect(generateText(base)).toEqual(generateText({ ...base }));
  });

  it.each([
    { change: 'prompt', input: { prompt: 'something else' } },
    { change: 'seed', input: { seed: 7 } },
    { change: 'sim seed', input: { simSeed: 1 } },
    { change: 'variant', input: { variant: 1 } },
  ])('returns a different text when the $change changes', ({ input }) => {
    expect(text(input)).not.toBe(text({}));
  });

  it('ends naturally on a full stop with finish_reason stop when uncapped', () => {
    const result = generateText(base);
    expect(result.finishReason).toBe('stop');
    expect(result.tokens.at(-1)).toBe('.');
    expect(result.tokens.length).toBeGreaterThanOrEqual(12);
  });

  it.each([1, 2, 5, 11])(
    'cuts to exactly max_tokens=%i with finish_reason length, a prefix of the uncapped text',
    (maxTokens) => {
      const capped = generateText({ ...base, maxTokens });
      expect(capped.tokens).toHaveLength(maxTokens);
      expect(capped.finishReason).toBe('length');
      expect(text({}).startsWith(capped.tokens.join(''))).toBe(true);
    },
  );

  it('generates exactly max_tokens with ignore_eos, far past the natural end', () => {
    const result = generateText({ ...base, ignoreEos: true, maxTokens: 500 });
    expect(result.tokens).toHaveLength(500);
    expect(result.finishReason).toBe('length');
  });

  it('ends before the first stop string with finish_reason stop', () => {
    const full = text({});
    const stopAt = full.indexOf(' ', 10);
    const stop = full.slice(stopAt, stopAt + 3);
    const result = generateText({ ...base, stop: [stop] });
    expect(result.finishReason).toBe('stop');
    expect(result.tokens.join('')).toBe(full.slice(0, full.indexOf(stop)));
  });

  it.each([0, 1, 2, 3, 42, 1234])(
    'produces tokens that the tokenizer counts one for one (seed %i)',
    (seed) => {
      const { tokens } = generateText({ ...base, seed });
      expect(countTokens(tokens.join(''))).toBe(tokens.length);
      expect(tokenize(tokens.join(''))).toEqual(tokens);
    },
  );

  it('draws from a vocabulary whose every word is one token', () => {
    for (const word of wordList) expect(tokenize(` ${word}`)).toHaveLength(1);
  });
});

describe('cutAtStop', () => {
  it.each([
    { tokens: ['Hello', ' world', '.'], stop: ['xyz'], expected: undefined },
    { tokens: ['Hello', ' world', '.'], stop: [' world'], expected: ['Hello'] },
    { tokens: ['Hello', ' world', '.'], stop: ['wor'], expected: ['Hello', ' '] },
    { tokens: ['Hello', ' world', '.'], stop: ['.', 'llo'], expected: ['He'] },
    { tokens: ['Hello', ' world', '.'], stop: ['Hello'], expected: [] },
    { tokens: ['Hello', ' world', '.'], stop: [''], expected: undefined },
    { tokens: ['Hello', ' world', '.'], stop: ['o w'], expected: ['Hell'] },
  ])('cuts $tokens at $stop to $expected', ({ tokens, stop, expected }) => {
    expect(cutAtStop(tokens, stop)).toEqual(expected);
  });
});
