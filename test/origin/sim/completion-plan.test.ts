import { describe, expect, it } from 'vitest';
import {
  planCompletion,
  samplingParams,
  tokensAtStep,
  type SamplingParams,
} from '../../../origin/sim/completion-plan';
import { promptInputs, renderChatPrompt } from '../../../origin/sim/prompt-input';

const sampling: SamplingParams = {
  n: 1,
  maxTokens: undefined,
  stop: [],
  seed: 0,
  greedy: false,
  ignoreEos: false,
};
const limits = { maxModelLen: 100, simSeed: 0 };
const prompt = (tokenCount: number) => ({
  text: 'p'.repeat(tokenCount),
  tokens: Array.from({ length: tokenCount }, () => 'p'),
  tokenCount,
});

describe('samplingParams', () => {
  it.each([
    { request: {}, expected: { n: 1, maxTokens: undefined, stop: [], seed: 0, greedy: false } },
    { request: { max_tokens: 5 }, expected: { maxTokens: 5 } },
    { request: { max_tokens: 5, max_completion_tokens: 7 }, expected: { maxTokens: 7 } },
    { request: { stop: 'END' }, expected: { stop: ['END'] } },
    { request: { stop: ['a', 'b'], n: 3, seed: 9 }, expected: { stop: ['a', 'b'], n: 3, seed: 9 } },
    { request: { temperature: 0, ignore_eos: true }, expected: { greedy: true, ignoreEos: true } },
    {
      request: { temperature: 0.7, stop: null, n: null },
      expected: { greedy: false, stop: [], n: 1 },
    },
  ])('reads $request', ({ request, expected }) => {
    expect(samplingParams(request)).toMatchObject(expected);
  });
});

describe('planCompletion', () => {
  it('numbers choices prompt by prompt, n per prompt, and counts each prompt once', () => {
    const result = planCompletion(
      [prompt(3), prompt(4)],
      { ...sampling, n: 2, maxTokens: 3 },
      limits,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.plan.choices.map((choice) => choice.index)).toEqual([0, 1, 2, 3]);
    expect(result.plan.promptTokens).toBe(7);
    expect(result.plan.stepCount).toBe(3);
    expect(tokensAtStep(result.plan, 0)).toBe(4);
  });

  it('gives every choice the same text at temperature 0', () => {
    const result = planCompletion([prompt(3)], { ...sampling, n: 3, greedy: true }, limits);
    if (!result.ok) throw new Error(result.message);
    const texts = result.plan.choices.map((choice) => choice.tokens.join(''));
    expect(new Set(texts).size).toBe(1);
  });

  it('caps an answer without max_tokens at what the context leaves', () => {
    const result = planCompletion([prompt(98)], { ...sampling, ignoreEos: true }, limits);
    if (!result.ok) throw new Error(result.message);
    expect(result.plan.choices[0]).toMatchObject({ finishReason: 'length' });
    expect(result.plan.choices[0]?.tokens).toHaveLength(2);
  });

  it.each([
    { tokens: 100, maxTokens: undefined, message: 'your request has 100 input tokens' },
    { tokens: 150, maxTokens: undefined, message: 'maximum context length is 100 tokens' },
    {
      tokens: 90,
      maxTokens: 11,
      message: "'max_tokens' or 'max_completion_tokens' is too large: 11",
    },
  ])(
    'refuses $tokens prompt tokens with max_tokens $maxTokens in a 100-token context',
    ({ tokens, maxTokens, message }) => {
      const result = planCompletion([prompt(tokens)], { ...sampling, maxTokens }, limits);
      expect(result).toEqual({ ok: false, message: expect.stringContaining(message) as string });
    },
  );

  it('accepts a prompt that leaves exactly max_tokens of room', () => {
    expect(planCompletion([prompt(90)], { ...sampling, maxTokens: 10 }, limits).ok).toBe(true);
  });
});

describe('prompts', () => {
  it('renders chat messages with role markers and the generation prompt', () => {
    expect(
      renderChatPrompt([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'image_url' }] },
        { role: 'assistant', content: null },
      ]),
    ).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it.each([
    {
      prompt: 'Hello world',
      expected: [{ text: 'Hello world', tokens: ['Hello', ' world'], tokenCount: 2 }],
    },
    {
      prompt: ['a', 'b c'],
      expected: [
        { text: 'a', tokens: ['a'], tokenCount: 1 },
        { text: 'b c', tokens: ['b', ' c'], tokenCount: 2 },
      ],
    },
    { prompt: [1, 2, 3], expected: [{ text: '1 2 3', tokens: ['1', '2', '3'], tokenCount: 3 }] },
    {
      prompt: [[1], [2, 3]],
      expected: [
        { text: '1', tokens: ['1'], tokenCount: 1 },
        { text: '2 3', tokens: ['2', '3'], tokenCount: 2 },
      ],
    },
  ])('reads the prompt $prompt', ({ prompt: field, expected }) => {
    expect(promptInputs(field)).toEqual(expected);
  });
});
