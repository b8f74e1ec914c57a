import OpenAI from 'openai';
import { describe, expect, inject, it } from 'vitest';
import { e2eModel, e2ePorts } from './stack-config';

/**
 * The response cache end to end: the official `openai` client → wrangler dev (real local KV and
 * CACHE_FLIGHT objects) → sidecars → vllm-sim. Upstream calls are counted at the simulators.
 */

const edgeUrl = inject('edgeUrl');
const client = new OpenAI({ baseURL: `${edgeUrl}/v1`, apiKey: inject('apiKey'), maxRetries: 0 });
/** Unique per run, so a persisted cache from an earlier run cannot answer. */
const nonce = `${Date.now()}-${Math.random().toString(36).slice(2)}`;

/** Prompt tokens every simulator has prefilled so far (`vllm:prompt_tokens_total`, summed). */
async function promptTokensAtSimulators(): Promise<number> {
  let total = 0;
  for (const { enginePort } of e2ePorts.replicas) {
    const text = await (await fetch(`http://127.0.0.1:${enginePort}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (line.startsWith('vllm:prompt_tokens_total')) total += Number(line.split(' ').at(-1));
    }
  }
  return total;
}

async function streamed(
  stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
): Promise<{ text: string; finish: string | null; usages: OpenAI.CompletionUsage[] }> {
  let text = '';
  let finish: string | null = null;
  const usages: OpenAI.CompletionUsage[] = [];
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usages.push(chunk.usage);
  }
  return { text, finish, usages };
}

describe('the response cache through the local stack', () => {
  it('replays a cached answer as a stream the openai client iterates like a generated one', async () => {
    const request = {
      model: e2eModel,
      messages: [{ role: 'user' as const, content: `Describe a rail yard (${nonce}).` }],
      temperature: 0,
      max_tokens: 200,
      stream: true as const,
      stream_options: { include_usage: true },
    };
    const miss = await client.chat.completions.create(request).withResponse();
    expect(miss.response.headers.get('x-switchyard-cache')).toBe('miss');
    const generated = await streamed(miss.data);
    expect(generated.finish).toBe('stop');

    // The entry is written in waitUntil after the stream ends; local KV shows it almost at once.
    let hit = await client.chat.completions.create(request).withResponse();
    for (let i = 0; i < 20 && hit.response.headers.get('x-switchyard-cache') !== 'hit-exact'; i++) {
      await streamed(hit.data);
      await new Promise((resolve) => setTimeout(resolve, 100));
      hit = await client.chat.completions.create(request).withResponse();
    }
    expect(hit.response.headers.get('x-switchyard-cache')).toBe('hit-exact');
    const replayed = await streamed(hit.data);
    expect(replayed.text).toBe(generated.text);
    expect(replayed.finish).toBe('stop');
    expect(replayed.usages).toEqual(generated.usages);

    const json = await client.chat.completions
      .create({ ...request, stream: false, stream_options: undefined })
      .withResponse();
    expect(json.response.headers.get('x-switchyard-cache')).toBe('hit-exact');
    expect(json.data.choices[0]?.message.content).toBe(generated.text);
  });

  it('makes 20 identical concurrent requests one call at the simulator', async () => {
    const request = {
      model: e2eModel,
      // Long enough that the sidecars' short canary prompts cannot be mistaken for a call.
      messages: [
        { role: 'user' as const, content: `${'signal box lever frame '.repeat(60)}${nonce}` },
      ],
      temperature: 0,
      max_tokens: 200,
    };
    const before = await promptTokensAtSimulators();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => client.chat.completions.create(request).withResponse()),
    );
    const after = await promptTokensAtSimulators();
    const promptTokens = answers[0]!.data.usage!.prompt_tokens;
    expect(promptTokens).toBeGreaterThan(100);
    expect(Math.round((after - before) / promptTokens)).toBe(1);
    const statuses = answers.map((a) => a.response.headers.get('x-switchyard-cache'));
    expect(statuses.filter((s) => s === 'miss')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'hit-exact')).toHaveLength(19);
    const texts = new Set(answers.map((a) => a.data.choices[0]?.message.content));
    expect(texts.size).toBe(1);
  });

  it('answers a paraphrase from the semantic cache (local embedder and index), never another tenant', async () => {
    // The system prompt is part of the semantic scope, so this run's entries are its own.
    const ask = (content: string) => ({
      model: e2eModel,
      messages: [
        { role: 'system' as const, content: `You answer questions for run ${nonce}.` },
        { role: 'user' as const, content },
      ],
      temperature: 0,
      // Room for the simulator's longest natural answer: a `length`-cut answer is never stored.
      max_tokens: 200,
    });
    const stored = await client.chat.completions
      .create(ask('Explain what a hash table is.'))
      .withResponse();
    expect(stored.response.headers.get('x-switchyard-cache')).toBe('miss');
    expect(stored.data.choices[0]?.finish_reason).toBe('stop');

    // The entry and its vector are written in waitUntil; `no-store` polls without writing one.
    const paraphrase = ask('Can you explain what a hash table is?');
    const noStore = { headers: { 'cache-control': 'no-store' } };
    let hit = await client.chat.completions.create(paraphrase, noStore).withResponse();
    for (
      let i = 0;
      i < 20 && hit.response.headers.get('x-switchyard-cache') !== 'hit-semantic';
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      hit = await client.chat.completions.create(paraphrase, noStore).withResponse();
    }
    expect(hit.response.headers.get('x-switchyard-cache')).toBe('hit-semantic');
    expect(Number(hit.response.headers.get('x-switchyard-similarity'))).toBeGreaterThan(0.5);
    expect(hit.data.choices[0]?.message.content).toBe(stored.data.choices[0]?.message.content);

    // Another tenant asking the same, word for word or paraphrased, generates its own answer.
    const created = await fetch(`${edgeUrl}/admin/keys`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${inject('adminToken')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        tenantId: `other-${nonce.replace(/[^A-Za-z0-9]/g, '')}`,
        name: 'e2e',
      }),
    });
    expect(created.status).toBe(201);
    const { secret } = (await created.json()) as { secret: string };
    const other = new OpenAI({ baseURL: `${edgeUrl}/v1`, apiKey: secret, maxRetries: 0 });
    for (const content of [
      'Explain what a hash table is.',
      'Can you explain what a hash table is?',
    ]) {
      const answer = await other.chat.completions.create(ask(content), noStore).withResponse();
      expect(answer.response.headers.get('x-switchyard-cache')).toBe('miss');
    }
  });
});
