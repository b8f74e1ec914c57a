import { describe, expect, it } from 'vitest';
import {
  chunksForStep,
  completionResponse,
  sseDone,
  sseEvent,
  usageChunk,
  type CompletionKind,
} from '../../../origin/sim/completion-chunks';
import type { CompletionPlan } from '../../../origin/sim/completion-plan';

const meta = { id: 'chatcmpl-r1', created: 1_700_000_000, model: 'sim-model' };
const plan: CompletionPlan = {
  promptTokens: 7,
  stepCount: 2,
  choices: [
    { index: 0, promptIndex: 0, tokens: ['Hi', '.'], finishReason: 'stop' },
    { index: 1, promptIndex: 0, tokens: ['Yo'], finishReason: 'length' },
  ],
};

/** Each chunk reduced to what differs between them. */
function outline(kind: CompletionKind, step: number, includeUsage = false): unknown[] {
  return chunksForStep(kind, meta, plan, step, includeUsage).map((chunk) => chunk.choices[0]);
}

describe('chunksForStep', () => {
  it.each([
    {
      step: 0,
      expected: [
        {
          index: 0,
          delta: { role: 'assistant', content: '' },
          logprobs: null,
          finish_reason: null,
        },
        {
          index: 1,
          delta: { role: 'assistant', content: '' },
          logprobs: null,
          finish_reason: null,
        },
        { index: 0, delta: { content: 'Hi' }, logprobs: null, finish_reason: null },
        { index: 1, delta: { content: 'Yo' }, logprobs: null, finish_reason: null },
        { index: 1, delta: {}, logprobs: null, finish_reason: 'length' },
      ],
    },
    {
      step: 1,
      expected: [
        { index: 0, delta: { content: '.' }, logprobs: null, finish_reason: null },
        { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' },
      ],
    },
  ])('sends role, tokens and finishes of chat step $step in that order', ({ step, expected }) => {
    expect(outline('chat', step)).toEqual(expected);
  });

  it.each([
    {
      step: 0,
      expected: [
        { index: 0, text: 'Hi', logprobs: null, finish_reason: null },
        { index: 1, text: 'Yo', logprobs: null, finish_reason: null },
        { index: 1, text: '', logprobs: null, finish_reason: 'length' },
      ],
    },
    {
      step: 1,
      expected: [
        { index: 0, text: '.', logprobs: null, finish_reason: null },
        { index: 0, text: '', logprobs: null, finish_reason: 'stop' },
      ],
    },
  ])('sends text tokens and finishes of completion step $step', ({ step, expected }) => {
    expect(outline('text', step)).toEqual(expected);
  });

  it('finishes a choice with no tokens at step 0', () => {
    const empty: CompletionPlan = {
      promptTokens: 1,
      stepCount: 1,
      choices: [{ index: 0, promptIndex: 0, tokens: [], finishReason: 'stop' }],
    };
    expect(chunksForStep('chat', meta, empty, 0, false).map((c) => c.choices[0])).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' },
    ]);
  });

  it.each([
    { includeUsage: true, usage: { usage: null } },
    { includeUsage: false, usage: {} },
  ])(
    'marks usage null on every chunk only when include_usage is $includeUsage',
    ({ includeUsage, usage }) => {
      for (const chunk of chunksForStep('chat', meta, plan, 1, includeUsage)) {
        expect(chunk).toEqual({
          id: 'chatcmpl-r1',
          object: 'chat.completion.chunk',
          created: 1_700_000_000,
          model: 'sim-model',
          choices: [expect.anything()],
          ...usage,
        });
      }
    },
  );
});

describe('usage and full responses', () => {
  it('sends usage in a final chunk with no choices', () => {
    expect(usageChunk('chat', meta, plan)).toEqual({
      id: 'chatcmpl-r1',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: 'sim-model',
      choices: [],
      usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
    });
  });

  it('builds a chat.completion with every choice and usage', () => {
    expect(completionResponse('chat', meta, plan)).toEqual({
      ...meta,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hi.' },
          logprobs: null,
          finish_reason: 'stop',
        },
        {
          index: 1,
          message: { role: 'assistant', content: 'Yo' },
          logprobs: null,
          finish_reason: 'length',
        },
      ],
      usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
    });
  });

  it('builds a text_completion with text choices', () => {
    expect(completionResponse('text', meta, plan)).toMatchObject({
      object: 'text_completion',
      choices: [
        { index: 0, text: 'Hi.', finish_reason: 'stop' },
        { index: 1, text: 'Yo', finish_reason: 'length' },
      ],
    });
  });
});

describe('SSE framing', () => {
  it.each([
    { data: { a: 1 }, event: 'data: {"a":1}\n\n' },
    { data: 'line\nbreak', event: 'data: "line\\nbreak"\n\n' },
  ])('frames $data as one data line and a blank line', ({ data, event }) => {
    expect(sseEvent(data)).toBe(event);
  });

  it('ends with the [DONE] sentinel', () => {
    expect(sseDone).toBe('data: [DONE]\n\n');
  });
});
