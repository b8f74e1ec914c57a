import { describe, expect, it } from 'vitest';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  TextCompletion,
} from '../../../origin/sim/completion-chunks';
import { countTokens } from '../../../origin/sim/tokenizer';
import { createTestSim, postJson, sseData } from './sim-test-kit';

const chat = { model: 'sim-model', messages: [{ role: 'user', content: 'Tell me about caches.' }] };

async function streamChunks(
  body: unknown,
): Promise<{ data: string[]; chunks: ChatCompletionChunk[] }> {
  const { app } = createTestSim();
  const response = await postJson(app, '/v1/chat/completions', body);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const data = sseData(await response.text());
  const chunks = data
    .filter((d) => d !== '[DONE]')
    .map((d) => JSON.parse(d) as ChatCompletionChunk);
  return { data, chunks };
}

describe('POST /v1/chat/completions', () => {
  it('answers with a chat.completion whose usage counts the templated prompt and the answer', async () => {
    const { app } = createTestSim();
    const response = await postJson(app, '/v1/chat/completions', chat, {
      headers: { 'x-request-id': 'abc-1' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('abc-1');
    const body = (await response.json()) as ChatCompletion;
    expect(body).toMatchObject({
      id: 'chatcmpl-abc-1',
      object: 'chat.completion',
      model: 'sim-model',
    });
    const [choice] = body.choices;
    expect(choice).toMatchObject({
      index: 0,
      message: { role: 'assistant' },
      finish_reason: 'stop',
    });
    const prompt = '<|im_start|>user\nTell me about caches.<|im_end|>\n<|im_start|>assistant\n';
    expect(body.usage).toEqual({
      prompt_tokens: countTokens(prompt),
      completion_tokens: countTokens(choice?.message.content ?? ''),
      total_tokens: countTokens(prompt) + countTokens(choice?.message.content ?? ''),
    });
  });

  it('returns the same text for the same request and seed', async () => {
    const { app } = createTestSim();
    const ask = async (seed: number): Promise<string | undefined> => {
      const response = await postJson(app, '/v1/chat/completions', { ...chat, seed });
      return ((await response.json()) as ChatCompletion).choices[0]?.message.content;
    };
    expect(await ask(1)).toBe(await ask(1));
    expect(await ask(1)).not.toBe(await ask(2));
  });

  it('stops at max_tokens with finish_reason length', async () => {
    const { app } = createTestSim();
    const response = await postJson(app, '/v1/chat/completions', { ...chat, max_tokens: 4 });
    const body = (await response.json()) as ChatCompletion;
    expect(body.choices[0]?.finish_reason).toBe('length');
    expect(body.usage.completion_tokens).toBe(4);
  });

  it('accepts and ignores fields it does not know', async () => {
    const { app } = createTestSim();
    const response = await postJson(app, '/v1/chat/completions', {
      ...chat,
      tools: [{ type: 'function', function: { name: 'f' } }],
      response_format: { type: 'json_object' },
      top_k: 5,
      messages: [{ role: 'user', content: 'Hi', name: 'ada' }],
    });
    expect(response.status).toBe(200);
  });

  it('streams a role chunk, one chunk per token, a finish chunk, then [DONE]', async () => {
    const { data, chunks } = await streamChunks({ ...chat, stream: true, max_tokens: 3 });
    expect(data).toHaveLength(6);
    expect(data.at(-1)).toBe('[DONE]');
    expect(chunks.map((chunk) => chunk.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: expect.any(String) as string },
      { content: expect.any(String) as string },
      { content: expect.any(String) as string },
      {},
    ]);
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual([
      null,
      null,
      null,
      null,
      'length',
    ]);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => !('usage' in chunk))).toBe(true);
  });

  it('streams the same text as the non-streaming answer', async () => {
    const { app } = createTestSim();
    const whole = (await (
      await postJson(app, '/v1/chat/completions', chat)
    ).json()) as ChatCompletion;
    const { chunks } = await streamChunks({ ...chat, stream: true });
    const streamed = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(streamed).toBe(whole.choices[0]?.message.content);
  });

  it('adds a usage chunk with no choices before [DONE] when include_usage is true', async () => {
    const { data, chunks } = await streamChunks({
      ...chat,
      stream: true,
      max_tokens: 2,
      stream_options: { include_usage: true },
    });
    expect(data.at(-1)).toBe('[DONE]');
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ completion_tokens: 2 });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it('streams n choices with their own indexes and texts', async () => {
    const { chunks } = await streamChunks({ ...chat, stream: true, n: 2, seed: 3 });
    const texts = [0, 1].map((index) =>
      chunks
        .flatMap((chunk) => chunk.choices)
        .filter((choice) => choice.index === index)
        .map((choice) => choice.delta.content ?? '')
        .join(''),
    );
    expect(texts[0]).not.toBe('');
    expect(texts[0]).not.toBe(texts[1]);
    const finishes = chunks
      .flatMap((chunk) => chunk.choices)
      .filter((choice) => choice.finish_reason);
    expect(finishes.map((choice) => choice.index).sort()).toEqual([0, 1]);
  });

  it('ends before a stop string with finish_reason stop', async () => {
    const { app } = createTestSim();
    const full = (await (
      await postJson(app, '/v1/chat/completions', chat)
    ).json()) as ChatCompletion;
    const text = full.choices[0]?.message.content ?? '';
    const stop = text.slice(text.indexOf(' ', 5), text.indexOf(' ', 5) + 3);
    const cut = (await (
      await postJson(app, '/v1/chat/completions', { ...chat, stop })
    ).json()) as ChatCompletion;
    expect(cut.choices[0]).toMatchObject({
      finish_reason: 'stop',
      message: { content: text.slice(0, text.indexOf(stop)) },
    });
  });

  it('answers an omitted model with the first served name', async () => {
    const { app } = createTestSim({ servedModelNames: ['first', 'second'] });
    const response = await postJson(app, '/v1/chat/completions', { messages: chat.messages });
    expect(((await response.json()) as ChatCompletion).model).toBe('first');
  });
});

describe('POST /v1/completions', () => {
  it('answers a text_completion per prompt with prompt tokens counted once each', async () => {
    const { app } = createTestSim();
    const response = await postJson(app, '/v1/completions', {
      model: 'sim-model',
      prompt: ['Once upon a time', 'The weather'],
      max_tokens: 5,
      n: 2,
    });
    const body = (await response.json()) as TextCompletion;
    expect(body.object).toBe('text_completion');
    expect(body.id).toMatch(/^cmpl-/);
    expect(body.choices.map((choice) => choice.index)).toEqual([0, 1, 2, 3]);
    expect(body.usage).toEqual({ prompt_tokens: 6, completion_tokens: 20, total_tokens: 26 });
  });

  it('streams text chunks and a finish chunk without a role chunk', async () => {
    const { app } = createTestSim();
    const response = await postJson(app, '/v1/completions', {
      model: 'sim-model',
      prompt: 'Once upon a time',
      max_tokens: 2,
      stream: true,
    });
    const data = sseData(await response.text());
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as TextCompletion);
    expect(data.at(-1)).toBe('[DONE]');
    expect(chunks.map((chunk) => chunk.object)).toEqual(Array(3).fill('text_completion'));
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual([null, null, 'length']);
  });
});
