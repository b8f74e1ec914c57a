import { describe, expect, it } from 'vitest';
import type { Embedder, SemanticCache, VectorEntry, VectorIndex } from '../../worker/ports';
import { createFakeOrigin } from './support/fake-origin';
import { createKey, jsonRequest, testApp, usageRow } from './support/harness';
import { chat } from './support/requests';

/**
 * Test-only semantic parts: an embedder whose vectors are a table (so a test sets the exact
 * similarity of two texts) and an in-memory index with the port's namespace partition.
 */
const unit = (similarity: number) => [similarity, Math.sqrt(1 - similarity ** 2)];
const vectors: Record<string, number[]> = {
  'What is the capital of France?': [1, 0],
  "what's france's capital city": unit(0.95),
  'Which city is the capital of France?': unit(0.85),
  'What is the capital of Spain?': unit(0.97),
};

function tableEmbedder(): Embedder & { calls: number } {
  return {
    id: 'table',
    dimensions: 2,
    calls: 0,
    embed(texts) {
      this.calls += 1;
      return Promise.resolve(texts.map((t) => vectors[t] ?? [0, -1]));
    },
  };
}

function memoryIndex(): VectorIndex {
  const entries = new Map<string, VectorEntry>();
  const cosine = (a: readonly number[], b: readonly number[]) =>
    a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
  return {
    query: (vector, { topK, namespace }) =>
      Promise.resolve(
        [...entries.values()]
          .filter((e) => e.namespace === namespace)
          .map((e) => ({ id: e.id, score: cosine(vector, e.values), metadata: e.metadata }))
          .sort((a, b) => b.score - a.score)
          .slice(0, topK),
      ),
    upsert: (list) => {
      for (const e of list) entries.set(e.id, e);
      return Promise.resolve();
    },
    deleteByIds: (ids) => {
      for (const id of ids) entries.delete(id);
      return Promise.resolve();
    },
  };
}

/** Guards that refuse when the two texts name different countries. */
const countryGuard = (query: string, stored: string) =>
  !(/spain/i.test(query) !== /spain/i.test(stored));

function setup(options: { threshold?: number | undefined; byModel?: Record<string, number> } = {}) {
  const origin = createFakeOrigin();
  const embedder = tableEmbedder();
  const threshold = 'threshold' in options ? options.threshold : 0.9;
  const semantic: SemanticCache = {
    embedder,
    index: memoryIndex(),
    threshold,
    guardsPass: countryGuard,
  };
  const harness = testApp({
    originFetch: origin.fetch,
    cache: { semantic, config: { semanticThresholds: options.byModel ?? {} } },
  });
  return { origin, embedder, ...harness };
}

const ask = (content: string, extra: Record<string, unknown> = {}) =>
  chat({ temperature: 0, messages: [{ role: 'user', content }], ...extra });
const status = (r: { response: Response }) => r.response.headers.get('x-switchyard-cache');

describe('semantic step of the cache', () => {
  it('answers a paraphrase above the threshold from the stored exact entry, with its similarity', async () => {
    const { origin, send } = setup();
    const { key } = await createKey();
    const stored = await send(
      '/v1/chat/completions',
      jsonRequest(key, ask('What is the capital of France?')),
    );
    const hit = await send(
      '/v1/chat/completions',
      jsonRequest(key, ask("what's france's capital city")),
    );
    expect(origin.requests).toHaveLength(1);
    expect(status(hit)).toBe('hit-semantic');
    expect(hit.response.headers.get('x-switchyard-similarity')).toBe('0.9500');
    // The entry that answered, so an operator can purge it.
    expect(hit.response.headers.get('x-switchyard-cache-key')).toBe(
      stored.response.headers.get('x-switchyard-cache-key'),
    );
    expect(JSON.parse(hit.text)).toMatchObject({
      choices: [{ message: { content: 'Hello from the fake engine.' } }],
    });
    expect(await usageRow(hit.response.headers.get('x-request-id'))).toMatchObject({
      cache_status: 'hit-semantic',
      prompt_tokens: 0,
      cost_usd: 0,
      tokens_saved: 17,
    });
  });

  it('misses below the threshold, and a request may raise the threshold but never lower it (K4)', async () => {
    const { origin, send } = setup();
    const { key } = await createKey();
    await send('/v1/chat/completions', jsonRequest(key, ask('What is the capital of France?')));
    const below = await send(
      '/v1/chat/completions',
      jsonRequest(key, ask('Which city is the capital of France?'), {
        'x-switchyard-similarity-threshold': '0.5',
      }),
    );
    expect(status(below)).toBe('miss');
    const raised = await send(
      '/v1/chat/completions',
      jsonRequest(key, ask("what's france's capital city"), {
        'x-switchyard-similarity-threshold': '0.99',
      }),
    );
    expect(status(raised)).toBe('miss');
    expect(origin.requests).toHaveLength(3);
  });

  it('refuses a malformed threshold header with 400', async () => {
    const { send } = setup();
    const { key } = await createKey();
    const r = await send(
      '/v1/chat/completions',
      jsonRequest(key, ask('What is the capital of France?'), {
        'x-switchyard-similarity-threshold': '2',
      }),
    );
    expect(r.response.status).toBe(400);
  });

  it('lets the guards veto a close neighbour', async () => {
    const { origin, send } = setup();
    const { key } = await createKey();
    await send('/v1/chat/completions', jsonRequest(key, ask('What is the capital of France?')));
    const spain = await send(
      '/v1/chat/completions',
      jsonRequest(key, ask('What is the capital of Spain?')),
    );
    expect(status(spain)).toBe('miss');
    expect(origin.requests).toHaveLength(2);
  });

  it.each([
    ['another system prompt', { messages: [{ role: 'system', content: 'Answer in French.' }] }],
    ['another max_tokens', { max_tokens: 5 }],
  ])('keeps %s in another scope: never a hit across it', async (_name, change) => {
    const { send } = setup();
    const { key } = await createKey();
    await send('/v1/chat/completions', jsonRequest(key, ask('What is the capital of France?')));
    const base = ask("what's france's capital city");
    const changed =
      'messages' in change
        ? { ...base, messages: [...change.messages, ...(base.messages as unknown[])] }
        : { ...base, ...change };
    const r = await send('/v1/chat/completions', jsonRequest(key, changed));
    expect(status(r)).toBe('miss');
  });

  it('never answers one tenant from another tenant’s entries, identical or paraphrased (K3)', async () => {
    const { origin, send } = setup();
    const a = await createKey();
    await send('/v1/chat/completions', jsonRequest(a.key, ask('What is the capital of France?')));
    // A fresh tenant each time, so B's own answer to the first prompt cannot serve the second.
    for (const prompt of ['What is the capital of France?', "what's france's capital city"]) {
      const b = await createKey();
      const r = await send('/v1/chat/completions', jsonRequest(b.key, ask(prompt)));
      expect(status(r)).toBe('miss');
    }
    expect(origin.requests).toHaveLength(3);
  });

  it.each([
    ['tools', { tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }],
    ['n > 1', { n: 2 }],
  ])('does not embed a request with %s', async (_name, extra) => {
    const { embedder, send } = setup();
    const { key } = await createKey();
    await send(
      '/v1/chat/completions',
      jsonRequest(key, ask('What is the capital of France?', extra)),
    );
    expect(embedder.calls).toBe(0);
  });

  it('does not embed for a key in exact-only mode', async () => {
    const { embedder, send } = setup();
    const { key } = await createKey({ cacheMode: 'exact' });
    await send('/v1/chat/completions', jsonRequest(key, ask('What is the capital of France?')));
    expect(embedder.calls).toBe(0);
  });

  it('treats a failing embedder as a miss, never as a failed request', async () => {
    const origin = createFakeOrigin();
    const semantic: SemanticCache = {
      embedder: { id: 'x', dimensions: 2, embed: () => Promise.reject(new Error('down')) },
      index: memoryIndex(),
      threshold: 0.9,
      guardsPass: () => true,
    };
    const { send } = testApp({ originFetch: origin.fetch, cache: { semantic } });
    const { key } = await createKey();
    const r = await send(
      '/v1/chat/completions',
      jsonRequest(key, ask('What is the capital of France?')),
    );
    expect(r.response.status).toBe(200);
    expect(status(r)).toBe('miss');
  });

  it('uses a per-model threshold before the semantic cache’s own', async () => {
    const { origin, send } = setup({ byModel: { tiny: 0.8 } });
    const { key } = await createKey();
    await send('/v1/chat/completions', jsonRequest(key, ask('What is the capital of France?')));
    const r = await send(
      '/v1/chat/completions',
      jsonRequest(key, ask('Which city is the capital of France?')),
    );
    expect(status(r)).toBe('hit-semantic');
    expect(origin.requests).toHaveLength(1);
  });

  it('serves no semantic hit, and embeds nothing, when no threshold was set or measured', async () => {
    const { embedder, send } = setup({ threshold: undefined });
    const { key } = await createKey();
    await send('/v1/chat/completions', jsonRequest(key, ask('What is the capital of France?')));
    const r = await send(
      '/v1/chat/completions',
      jsonRequest(key, ask("what's france's capital city")),
    );
    expect(status(r)).toBe('miss');
    expect(embedder.calls).toBe(0);
  });
});
