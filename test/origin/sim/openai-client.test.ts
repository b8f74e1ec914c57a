import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { embedText } from '../../../origin/sim/embeddings';
import { createTestSim, eventually, type TestSim } from './sim-test-kit';

/** The official client, talking to the app in-process instead of over a socket. */
function clientFor(sim: TestSim): OpenAI {
  return new OpenAI({
    baseURL: 'http://sim.test/v1',
    apiKey: 'unused',
    maxRetries: 0,
    fetch: (input, init) => Promise.resolve(sim.app.request(input, init)),
  });
}

const messages = [{ role: 'user' as const, content: 'Hello' }];

describe('the official openai client against vllm-sim', () => {
  it('reads a chat completion and its usage', async () => {
    const completion = await clientFor(createTestSim()).chat.completions.create({
      model: 'sim-model',
      messages,
      max_tokens: 3,
    });
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(3);
  });

  it('reads a stream with usage to its end', async () => {
    const stream = await clientFor(createTestSim()).chat.completions.create({
      model: 'sim-model',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let completionTokens: number | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      completionTokens = chunk.usage?.completion_tokens ?? completionTokens;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(completionTokens).toBeGreaterThan(0);
  });

  it('decodes the default base64 embeddings to the simulator vector', async () => {
    const response = await clientFor(createTestSim()).embeddings.create({
      model: 'sim-model',
      input: 'Hello world',
    });
    const vector = response.data[0]?.embedding ?? [];
    const expected = embedText('Hello world', 384);
    vector.forEach((x, i) => expect(x).toBeCloseTo(expected[i] ?? NaN, 6));
  });

  it.each([
    {
      name: 'an unknown model',
      body: { model: 'nope', messages },
      errorClass: OpenAI.NotFoundError,
    },
    {
      name: 'an oversized max_tokens',
      body: { model: 'sim-model', messages, max_tokens: 1_000_000 },
      errorClass: OpenAI.BadRequestError,
    },
  ])('raises $errorClass.name for $name', async ({ body, errorClass }) => {
    await expect(clientFor(createTestSim()).chat.completions.create(body)).rejects.toBeInstanceOf(
      errorClass,
    );
  });

  it('frees the slot when the client aborts a stream', async () => {
    const sim = createTestSim();
    const stream = await clientFor(sim).chat.completions.create({
      model: 'sim-model',
      messages,
      stream: true,
      max_tokens: 5_000,
      ignore_eos: true,
    } as OpenAI.ChatCompletionCreateParamsStreaming);
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break;
    }
    await eventually(() => sim.runtime.scheduler.stats().running === 0);
    expect(sim.logger.entries.some((entry) => entry.msg === 'request aborted')).toBe(true);
  });
});
