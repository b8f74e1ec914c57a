import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createFakeOrigin, defaultScript, type OriginScript } from './support/fake-origin';
import { createKvCacheStore } from '../../worker/cache/cache-adapters';
import type { CacheStore } from '../../worker/ports';
import { createKey, jsonRequest, replica, testApp, usageRow } from './support/harness';
import { chat, dataEvents } from './support/requests';

const det = (extra: Record<string, unknown> = {}) => chat({ temperature: 0, ...extra });

function cachedApp(script: OriginScript = defaultScript) {
  const origin = createFakeOrigin(script);
  return { origin, ...testApp({ originFetch: origin.fetch, cache: {} }) };
}

interface Chunk {
  object: string;
  choices: { delta?: Record<string, unknown>; finish_reason?: string | null }[];
}

const cacheHeader = (r: { response: Response }) => r.response.headers.get('x-switchyard-cache');
const requestId = (r: { response: Response }) => r.response.headers.get('x-request-id');

/** The text a chat SSE body carries, joined from its content deltas. */
function streamedText(sse: string): string {
  return dataEvents(sse)
    .filter((e) => e !== '[DONE]')
    .map((e) => JSON.parse(e) as { choices: { delta?: { content?: string } }[] })
    .map((e) => e.choices[0]?.delta?.content ?? '')
    .join('');
}

describe('exact cache: hits and misses', () => {
  it('answers the second identical deterministic request from KV, with zero tokens and the saving recorded', async () => {
    const { origin, send } = cachedApp();
    const { key } = await createKey();

    const first = await send('/v1/chat/completions', jsonRequest(key, det()));
    const second = await send('/v1/chat/completions', jsonRequest(key, det()));

    expect(origin.requests).toHaveLength(1);
    expect(cacheHeader(first)).toBe('miss');
    expect(cacheHeader(second)).toBe('hit-exact');
    expect(second.response.headers.get('content-type')).toBe('application/json');
    expect(second.response.headers.get('x-switchyard-model')).toBe('tiny');
    const body = JSON.parse(second.text) as Record<string, unknown>;
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'tiny',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello from the fake engine.' },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 11, completion_tokens: 6, total_tokens: 17 },
    });
    // A fresh id per answer, never the stored one.
    expect(body.id).not.toBe('chatcmpl-fake');
    expect(await usageRow(requestId(first))).toMatchObject({
      cache_status: 'miss',
      prompt_tokens: 11,
      completion_tokens: 6,
      tokens_saved: 0,
    });
    expect(await usageRow(requestId(second))).toMatchObject({
      cache_status: 'hit-exact',
      status: 'ok',
      prompt_tokens: 0,
      completion_tokens: 0,
      cost_usd: 0,
      tokens_saved: 17,
      served_model: 'tiny',
    });
  });

  it('stores the answer, not the wire bytes: a JSON miss is replayed as valid SSE and a stream miss as JSON (K5)', async () => {
    const { origin, send } = cachedApp();
    const { key } = await createKey();

    await send('/v1/chat/completions', jsonRequest(key, det({ seed: 1 })));
    const replay = await send(
      '/v1/chat/completions',
      jsonRequest(key, det({ seed: 1, stream: true, stream_options: { include_usage: true } })),
    );

    expect(origin.requests).toHaveLength(1);
    expect(cacheHeader(replay)).toBe('hit-exact');
    expect(replay.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = dataEvents(replay.text);
    expect(events.filter((e) => e === '[DONE]')).toHaveLength(1);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as Chunk);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(streamedText(replay.text)).toBe('Hello from the fake engine.');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 17 } });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);

    // And the other way round, with a prompt of its own.
    const streamMiss = await send(
      '/v1/chat/completions',
      jsonRequest(key, det({ seed: 2, stream: true })),
    );
    expect(cacheHeader(streamMiss)).toBe('miss');
    expect(streamedText(streamMiss.text)).toBe('Hello from the fake engine.');
    const jsonHit = await send('/v1/chat/completions', jsonRequest(key, det({ seed: 2 })));
    expect(cacheHeader(jsonHit)).toBe('hit-exact');
    expect(JSON.parse(jsonHit.text)).toMatchObject({
      choices: [{ message: { content: 'Hello from the fake engine.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 11, completion_tokens: 6, total_tokens: 17 },
    });
    expect(origin.requests).toHaveLength(2);
  });

  it('replays a stream hit without the usage chunk when the client did not ask for it (S4)', async () => {
    const { send } = cachedApp();
    const { key } = await createKey();
    await send('/v1/chat/completions', jsonRequest(key, det()));
    const hit = await send('/v1/chat/completions', jsonRequest(key, det({ stream: true })));
    expect(cacheHeader(hit)).toBe('hit-exact');
    expect(hit.text).not.toContain('"usage"');
    expect(dataEvents(hit.text).at(-1)).toBe('[DONE]');
  });

  it('caches legacy completions too, replaying them as text_completion chunks', async () => {
    let calls = 0;
    const { send } = testApp({
      cache: {},
      originFetch: () => {
        calls += 1;
        return Promise.resolve(
          Response.json({
            id: 'cmpl-x',
            object: 'text_completion',
            choices: [{ index: 0, text: ' there was a gateway.', finish_reason: 'stop' }],
            usage: { prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 },
          }),
        );
      },
    });
    const { key } = await createKey();
    const body = { model: 'tiny', prompt: 'Once upon a time', temperature: 0 };
    await send('/v1/completions', jsonRequest(key, body));
    const hit = await send('/v1/completions', jsonRequest(key, { ...body, stream: true }));
    expect(calls).toBe(1);
    expect(cacheHeader(hit)).toBe('hit-exact');
    const chunks = dataEvents(hit.text)
      .slice(0, -1)
      .map((e) => JSON.parse(e) as { object: string; choices: { text: string }[] });
    expect(chunks.every((c) => c.object === 'text_completion')).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.text).join('')).toBe(' there was a gateway.');
  });
});

/** An engine whose JSON answers finish with the given reason, counting its calls. */
function finishingWith(finishReason: string) {
  let calls = 0;
  return {
    calls: () => calls,
    fetch: () => {
      calls += 1;
      return Promise.resolve(
        Response.json({
          id: 'chatcmpl-x',
          object: 'chat.completion',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: 'cut' },
              finish_reason: finishReason,
            },
          ],
          usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
        }),
      );
    },
  };
}

describe('cacheability (K2): each excluded case followed by the identical request is a miss', () => {
  it.each([
    ['no temperature (the default 1.0)', chat()],
    ['temperature 0.7', chat({ temperature: 0.7 })],
    ['logprobs asked for', det({ logprobs: true })],
  ])('does not cache a request with %s: bypass both times', async (_name, body) => {
    const { origin, send } = cachedApp();
    const { key } = await createKey();
    const first = await send('/v1/chat/completions', jsonRequest(key, body));
    const second = await send('/v1/chat/completions', jsonRequest(key, body));
    expect(origin.requests).toHaveLength(2);
    expect([cacheHeader(first), cacheHeader(second)]).toEqual(['bypass', 'bypass']);
    expect(await usageRow(requestId(second))).toMatchObject({ cache_status: 'bypass' });
  });

  it('caches a request with a seed even without temperature 0 (decision 4)', async () => {
    const { origin, send } = cachedApp();
    const { key } = await createKey();
    await send('/v1/chat/completions', jsonRequest(key, chat({ seed: 7 })));
    const second = await send('/v1/chat/completions', jsonRequest(key, chat({ seed: 7 })));
    expect(origin.requests).toHaveLength(1);
    expect(cacheHeader(second)).toBe('hit-exact');
  });

  it.each(['length', 'content_filter'])(
    'never keeps an answer that finished with %s',
    async (reason) => {
      const engine = finishingWith(reason);
      const { send } = testApp({ originFetch: engine.fetch, cache: {} });
      const { key } = await createKey();
      await send('/v1/chat/completions', jsonRequest(key, det()));
      const second = await send('/v1/chat/completions', jsonRequest(key, det()));
      expect(engine.calls()).toBe(2);
      expect(cacheHeader(second)).toBe('miss');
    },
  );

  it('never keeps an error answer', async () => {
    const origin = createFakeOrigin({
      ...defaultScript,
      failWith: { status: 400, body: '{"error":{"message":"bad"}}' },
    });
    const { send } = testApp({ originFetch: origin.fetch, cache: {} });
    const { key } = await createKey();
    const first = await send('/v1/chat/completions', jsonRequest(key, det()));
    const second = await send('/v1/chat/completions', jsonRequest(key, det()));
    expect(first.response.status).toBe(400);
    expect(second.response.status).toBe(400);
    expect(origin.requests).toHaveLength(2);
  });

  it.each([
    ['cut mid-stream', { ...defaultScript, cutAfterTokens: 3 }],
    ['an in-band error event', { ...defaultScript, errorAfterTokens: 2 }],
  ])('never keeps a stream that ended with %s', async (_name, script) => {
    const { origin, send } = cachedApp(script);
    const { key } = await createKey();
    const broken = await send('/v1/chat/completions', jsonRequest(key, det({ stream: true })));
    expect(broken.text).toContain('"error"');
    const second = await send('/v1/chat/completions', jsonRequest(key, det()));
    expect(origin.requests).toHaveLength(2);
    expect(cacheHeader(second)).toBe('miss');
  });

  it('never keeps a stream the client abandoned', async () => {
    const { origin, app } = cachedApp();
    const { key } = await createKey();
    const { createExecutionContext, waitOnExecutionContext } = await import('cloudflare:test');
    const ctx = createExecutionContext();
    const response = await app.request(
      '/v1/chat/completions',
      jsonRequest(key, det({ stream: true })),
      {},
      ctx,
    );
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    await waitOnExecutionContext(ctx);
    const { send } = testApp({ originFetch: origin.fetch, cache: {} });
    const second = await send('/v1/chat/completions', jsonRequest(key, det()));
    expect(cacheHeader(second)).toBe('miss');
    expect(origin.requests).toHaveLength(2);
  });

  it('cache-control: no-store answers from the cache but keeps nothing', async () => {
    const { origin, send } = cachedApp();
    const { key } = await createKey();
    const noStore = { 'cache-control': 'no-store' };
    const first = await send('/v1/chat/completions', jsonRequest(key, det(), noStore));
    const second = await send('/v1/chat/completions', jsonRequest(key, det()));
    expect([cacheHeader(first), cacheHeader(second)]).toEqual(['miss', 'miss']);
    const third = await send('/v1/chat/completions', jsonRequest(key, det(), noStore));
    expect(cacheHeader(third)).toBe('hit-exact');
    expect(origin.requests).toHaveLength(2);
  });

  it('cache-control: no-cache skips the lookup but refreshes the entry', async () => {
    const { origin, send } = cachedApp();
    const { key } = await createKey();
    await send('/v1/chat/completions', jsonRequest(key, det()));
    const fresh = await send(
      '/v1/chat/completions',
      jsonRequest(key, det(), { 'cache-control': 'No-Cache' }),
    );
    expect(cacheHeader(fresh)).toBe('miss');
    expect(origin.requests).toHaveLength(2);
    const both = await send(
      '/v1/chat/completions',
      jsonRequest(key, det(), { 'cache-control': 'no-cache, no-store' }),
    );
    expect(cacheHeader(both)).toBe('bypass');
    expect(origin.requests).toHaveLength(3);
  });
});

describe('cache modes, TTL and limits', () => {
  it('a key with cache mode off always bypasses', async () => {
    const { origin, send } = cachedApp();
    const { key } = await createKey({ cacheMode: 'off' });
    await send('/v1/chat/completions', jsonRequest(key, det()));
    const second = await send('/v1/chat/completions', jsonRequest(key, det()));
    expect(origin.requests).toHaveLength(2);
    expect(cacheHeader(second)).toBe('bypass');
  });

  it('stores with the TTL the request asks for, raised to KV’s 60-second floor (K7)', async () => {
    const { send } = cachedApp();
    const { key, tenantId } = await createKey();
    const before = Math.floor(Date.now() / 1000);
    const miss = await send(
      '/v1/chat/completions',
      jsonRequest(key, det(), { 'x-switchyard-cache-ttl': '5' }),
    );
    const listed = await env.CACHE.list({ prefix: `${tenantId}/` });
    expect(listed.keys.map((k) => k.name)).toEqual([
      miss.response.headers.get('x-switchyard-cache-key'),
    ]);
    const expiration = listed.keys[0]?.expiration ?? 0;
    expect(expiration).toBeGreaterThanOrEqual(before + 60);
    expect(expiration).toBeLessThanOrEqual(before + 62);
  });

  it.each(['abc', '-5', '0', '1.5'])('refuses x-switchyard-cache-ttl: %s with 400', async (ttl) => {
    const { origin, send } = cachedApp();
    const { key } = await createKey();
    const r = await send(
      '/v1/chat/completions',
      jsonRequest(key, det(), { 'x-switchyard-cache-ttl': ttl }),
    );
    expect(r.response.status).toBe(400);
    expect(JSON.parse(r.text)).toMatchObject({ error: { code: 'invalid_request' } });
    expect(origin.requests).toHaveLength(0);
  });

  it('charges a hit one request and no tokens against the key’s limits (decision 3, K6)', async () => {
    const { origin, send } = cachedApp();
    // 17 tokens a generation: the token bucket holds one, never two.
    const { key } = await createKey({ requestsPerMinute: 6, tokensPerMinute: 30 });
    const body = det({ max_tokens: 10 });
    const statuses: (number | string | null)[] = [];
    for (let i = 0; i < 7; i += 1) {
      const r = await send('/v1/chat/completions', jsonRequest(key, body));
      statuses.push(r.response.status === 200 ? cacheHeader(r) : r.response.status);
    }
    expect(origin.requests).toHaveLength(1);
    // One miss, five hits (tokens would have run out at the second), then the request limit.
    expect(statuses).toEqual([
      'miss',
      'hit-exact',
      'hit-exact',
      'hit-exact',
      'hit-exact',
      'hit-exact',
      429,
    ]);
  });
});

describe('tenant isolation (K3)', () => {
  it('never answers one tenant from another tenant’s entries, over many prompts in random order', async () => {
    const { origin, send } = cachedApp();
    const a = await createKey();
    const b = await createKey();
    const prompts = Array.from({ length: 12 }, (_, i) => `Question number ${i}`);
    const body = (p: string) => det({ messages: [{ role: 'user', content: p }] });
    for (const p of prompts) {
      const first = await send('/v1/chat/completions', jsonRequest(a.key, body(p)));
      expect(cacheHeader(first)).toBe('miss');
      const other = await send('/v1/chat/completions', jsonRequest(b.key, body(p)));
      expect(cacheHeader(other)).toBe('miss');
      const again = await send('/v1/chat/completions', jsonRequest(b.key, body(p)));
      expect(cacheHeader(again)).toBe('hit-exact');
    }
    expect(origin.requests).toHaveLength(24);
  });

  it('shares entries between two keys of one tenant', async () => {
    const { origin, send } = cachedApp();
    const first = await createKey();
    // A second key of the same tenant.
    const { hashApiKey, generateApiKey, displayPrefix } = await import('../../contracts/api-key');
    const secret = generateApiKey();
    await env.DB.prepare(
      `INSERT INTO api_keys (id, tenant_id, name, key_hash, key_prefix, status, created_at_ms, cache_mode)
       VALUES (?, ?, 'second', ?, ?, 'active', 0, 'on')`,
    )
      .bind(`${first.keyId}-b`, first.tenantId, await hashApiKey(secret), displayPrefix(secret))
      .run();
    await send('/v1/chat/completions', jsonRequest(first.key, det()));
    const hit = await send('/v1/chat/completions', jsonRequest(secret, det()));
    expect(cacheHeader(hit)).toBe('hit-exact');
    expect(origin.requests).toHaveLength(1);
  });
});

describe('model revisions (K1)', () => {
  it('stops answering from entries of weights the pool no longer serves', async () => {
    const origin = createFakeOrigin();
    let replicas = [replica({ modelRevision: 'rev-a' })];
    const { send } = testApp({
      originFetch: origin.fetch,
      pool: { snapshot: () => Promise.resolve(replicas), heartbeat: () => Promise.resolve(true) },
      cache: {},
    });
    const { key } = await createKey();
    await send('/v1/chat/completions', jsonRequest(key, det()));
    const sameWeights = await send('/v1/chat/completions', jsonRequest(key, det()));
    expect(cacheHeader(sameWeights)).toBe('hit-exact');

    // A rolling upgrade: while any replica still runs rev-a, its answers still count.
    replicas = [
      replica({ modelRevision: 'rev-a' }),
      replica({ replicaId: 'r2', modelRevision: 'rev-b' }),
    ];
    expect(cacheHeader(await send('/v1/chat/completions', jsonRequest(key, det())))).toBe(
      'hit-exact',
    );

    replicas = [replica({ replicaId: 'r2', modelRevision: 'rev-b' })];
    const newWeights = await send('/v1/chat/completions', jsonRequest(key, det()));
    expect(cacheHeader(newWeights)).toBe('miss');
    expect(origin.requests).toHaveLength(2);
  });
});

describe('no cache side channel between tenants (K3)', () => {
  it('gives a tenant the same cache operations whether or not another tenant asked first', async () => {
    const operations: string[] = [];
    const kv = createKvCacheStore(env.CACHE);
    const recording: CacheStore = {
      get: (k) => (operations.push(`get ${k}`), kv.get(k)),
      put: (k, v, ttl) => (operations.push(`put ${k}`), kv.put(k, v, ttl)),
      list: (p, c) => kv.list(p, c),
      delete: (k) => kv.delete(k),
    };
    const { send } = testApp({
      originFetch: createFakeOrigin().fetch,
      cache: { store: recording },
    });
    const run = async (otherTenantFirst: boolean) => {
      const a = await createKey();
      const b = await createKey();
      if (otherTenantFirst) await send('/v1/chat/completions', jsonRequest(a.key, det()));
      operations.length = 0;
      const r = await send('/v1/chat/completions', jsonRequest(b.key, det()));
      expect(cacheHeader(r)).toBe('miss');
      // Every key B touched is in B's own partition.
      expect(operations.every((op) => op.split(' ')[1]?.startsWith(`${b.tenantId}/`))).toBe(true);
      // B's tenant differs between runs, and with it the hash; the sequence must not.
      return operations.map((op) =>
        op.replace(`${b.tenantId}/`, '').replace(/[0-9a-f]{64}/, '<hash>'),
      );
    };
    expect(await run(true)).toEqual(await run(false));
  });
});
