import { describe, expect, it } from 'vitest';
import { hashedFeatures, signalNames, textSignals } from '../../worker/router/features';
import {
  loadRouterModel,
  requestNudge,
  scorePrompt,
  type PromptView,
} from '../../worker/router/score';
import { routerWeights } from '../../worker/router/weights';
import { promptView } from '../../worker/router/resolve-request';

const model = loadRouterModel(routerWeights);
const view = (text: string, overrides: Partial<PromptView> = {}): PromptView => ({
  text,
  totalChars: text.length,
  turns: 1,
  tools: false,
  jsonMode: false,
  maxTokens: undefined,
  ...overrides,
});

describe('router features', () => {
  it('gives the same hashed vector for the same text, of unit length', () => {
    const a = hashedFeatures('Prove that there are infinitely many primes.');
    const b = hashedFeatures('Prove that there are infinitely many primes.');
    expect(Array.from(a.index)).toEqual(Array.from(b.index));
    const norm = Array.from(a.value).reduce((sum, v) => sum + v * v, 0);
    expect(norm).toBeCloseTo(1, 5);
    expect(Math.max(...a.index)).toBeLessThan(1 << routerWeights.hashBits);
  });

  it('has no features for empty text, and a zero vector scores at the bias', () => {
    expect(hashedFeatures('').index).toHaveLength(0);
    expect(scorePrompt(model, view(''))).toBeGreaterThan(0);
  });

  it.each([
    { text: 'hi', signal: 'code', expected: 0 },
    { text: 'def f(x):\n    return x\n```', signal: 'code', expected: 3 / 8 },
    { text: 'Solve x^2 = 4 and prove it', signal: 'math', expected: 4 / 8 },
    {
      text: 'Explain step by step why, and compare the trade-offs',
      signal: 'reasoning',
      expected: 4 / 6,
    },
    { text: '1. first\n2. second\n- third', signal: 'subtasks', expected: 3 / 6 },
    { text: 'why? how? what? who? when?', signal: 'questions', expected: 1 },
  ])('$signal of "$text" is $expected', ({ text, signal, expected }) => {
    const signals = textSignals(text, text.length);
    expect(signals[signalNames.indexOf(signal as (typeof signalNames)[number])]).toBeCloseTo(
      expected,
      6,
    );
  });

  it('keeps every signal within [0, 1], even for a huge prompt', () => {
    const huge = 'Prove the theorem step by step. def f(): return 1; '.repeat(5_000);
    for (const value of textSignals(huge, huge.length * 3)) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
  });
});

describe('requestNudge', () => {
  it.each([
    { name: 'a plain single-turn prompt', overrides: {}, nudge: 0 },
    { name: 'a six-message conversation', overrides: { turns: 6 }, nudge: 0.48 },
    { name: 'a very deep conversation (capped)', overrides: { turns: 40 }, nudge: 0.6 },
    { name: 'tools', overrides: { tools: true }, nudge: 0.6 },
    { name: 'JSON mode', overrides: { jsonMode: true }, nudge: 0.3 },
    { name: 'a long answer asked for', overrides: { maxTokens: 4096 }, nudge: 0.5 },
    { name: 'a tiny answer asked for', overrides: { maxTokens: 16 }, nudge: -0.8 },
    { name: 'a middling max_tokens', overrides: { maxTokens: 512 }, nudge: 0 },
  ])('$name → $nudge', ({ overrides, nudge }) => {
    expect(requestNudge(view('x', overrides))).toBeCloseTo(nudge, 6);
  });
});

describe('scorePrompt with the checked-in weights', () => {
  it.each([
    'thanks, that was great',
    'What is the capital of Portugal?',
    'Translate "good evening" into Spanish.',
  ])('scores an easy prompt below the default threshold: %s', (text) => {
    expect(scorePrompt(model, view(text))).toBeLessThan(0.5);
  });

  it.each([
    'Prove that there are infinitely many prime numbers, and explain each step of the argument.',
    'Design a fault-tolerant job scheduler for a cluster of 200 machines. Compare a leader-based design with a leaderless one, analyse failure modes and justify your recommendation.',
  ])('scores a hard prompt above an easy one: %s', (text) => {
    expect(scorePrompt(model, view(text))).toBeGreaterThan(
      scorePrompt(model, view('What is the capital of Portugal?')),
    );
  });

  it('raises the score for tools and lowers it for a tiny max_tokens', () => {
    const text = 'Look up the weather in Lisbon.';
    const plain = scorePrompt(model, view(text));
    expect(scorePrompt(model, view(text, { tools: true }))).toBeGreaterThan(plain);
    expect(scorePrompt(model, view(text, { maxTokens: 8 }))).toBeLessThan(plain);
  });

  it('rejects weights whose signals do not match the code', () => {
    expect(() => loadRouterModel({ ...routerWeights, signals: [1, 2] })).toThrow(/signals/);
  });
});

describe('promptView', () => {
  it('judges the last user turn of a chat and reads tools, JSON mode and max tokens', () => {
    const v = promptView(
      {
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'first question' },
          { role: 'assistant', content: 'answer' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'second ' },
              { type: 'text', text: 'question' },
            ],
          },
        ],
        tools: [{ type: 'function', function: { name: 'f' } }],
        response_format: { type: 'json_object' },
        max_completion_tokens: 900,
      },
      120,
    );
    expect(v).toEqual({
      text: 'second question',
      totalChars: 120,
      turns: 4,
      tools: true,
      jsonMode: true,
      maxTokens: 900,
    });
  });

  it('reads a completions prompt, string or list', () => {
    expect(promptView({ prompt: 'Once upon a time' }, 16).text).toBe('Once upon a time');
    expect(promptView({ prompt: ['a', 'b'], max_tokens: 5 }, 2)).toMatchObject({
      text: 'a\nb',
      turns: 1,
      maxTokens: 5,
    });
  });
});
