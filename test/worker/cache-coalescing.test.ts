import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { flightShard } from '../../worker/cache/cache-adapters';
import { exactCacheKey } from '../../worker/cache/cache-key';
import { createFakeOrigin } from './support/fake-origin';
import { createKey, jsonRequest, testApp, usageRow } from './support/harness';
import { chat, dataEvents } from './support/requests';

const body = (extra: Record<string, unknown> = {}) => chat({ temperature: 0, ...extra });

/** Resolves once `count` followers wait in the key's flight object (or after ~3 s regardless). */
async function followersWaiting(tenantId: string, count: number, extra = {}) {
  const { kvKey } = await exactCacheKey({
    tenantId,
    endpoint: 'chat',
    model: 'tiny',
    body: body(extra),
  });
  const flight = env.CACHE_FLIGHT.get(env.CACHE_FLIGHT.idFromName(flightShard(kvKey)));
  for (let i = 0; i < 300 && (await flight.waiting(kvKey)) < count; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** An origin that holds each answer until `release` resolves, counting calls. */
function gatedOrigin(release: (call: number) => Promise<void>, fail = (_call: number) => false) {
  const fake = createFakeOrigin();
  let calls = 0;
  return {
    calls: () => calls,
    fetch: async (request: Request) => {
      calls += 1;
      const call = calls;
      await release(call);
      if (fail(call)) return new Response('{"error":{"message":"boom"}}', { status: 400 });
      return fake.fetch(request);
    },
  };
}

async function sendAll(
  app: ReturnType<typeof testApp>['app'],
  key: string,
  count: number,
  extra: Record<string, unknown> = {},
) {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const ctx = createExecutionContext();
      const response = await app.request(
        '/v1/chat/completions',
        jsonRequest(key, body(extra)),
        {},
        ctx,
      );
      const text = await response.text();
      await waitOnExecutionContext(ctx);
      return { response, text };
    }),
  );
}

describe('single flight through CACHE_FLIGHT', () => {
  it('makes 20 identical concurrent requests one upstream call; the 19 followers are hits', async () => {
    const { key, tenantId } = await createKey();
    const origin = gatedOrigin(() => followersWaiting(tenantId, 19));
    const { app } = testApp({ originFetch: origin.fetch, cache: { coalesce: true } });

    const results = await sendAll(app, key, 20);

    expect(origin.calls()).toBe(1);
    expect(results.map((r) => r.response.status)).toEqual(Array(20).fill(200));
    const statuses = results.map((r) => r.response.headers.get('x-switchyard-cache'));
    expect(statuses.filter((s) => s === 'miss')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'hit-exact')).toHaveLength(19);
    for (const r of results) {
      expect(JSON.parse(r.text)).toMatchObject({
        choices: [{ message: { content: 'Hello from the fake engine.' } }],
      });
    }
    const follower = results.find(
      (r) => r.response.headers.get('x-switchyard-cache') === 'hit-exact',
    );
    expect(await usageRow(follower?.response.headers.get('x-request-id') ?? null)).toMatchObject({
      cache_status: 'hit-exact',
      prompt_tokens: 0,
      tokens_saved: 17,
    });
  });

  it('gives followers of a streaming leader the replay once the leader’s stream has ended', async () => {
    const { key, tenantId } = await createKey();
    const origin = gatedOrigin(() => followersWaiting(tenantId, 4));
    const { app } = testApp({ originFetch: origin.fetch, cache: { coalesce: true } });

    const results = await sendAll(app, key, 5, { stream: true });

    expect(origin.calls()).toBe(1);
    for (const r of results) {
      expect(r.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(dataEvents(r.text).at(-1)).toBe('[DONE]');
    }
    expect(
      results.filter((r) => r.response.headers.get('x-switchyard-cache') === 'hit-exact'),
    ).toHaveLength(4);
  });

  it('lets followers of a failed leader make their own calls instead of sharing its error', async () => {
    const { key, tenantId } = await createKey();
    const origin = gatedOrigin(
      (call) => (call === 1 ? followersWaiting(tenantId, 4) : Promise.resolve()),
      (call) => call === 1,
    );
    const { app } = testApp({ originFetch: origin.fetch, cache: { coalesce: true } });

    const results = await sendAll(app, key, 5);

    expect(origin.calls()).toBe(5);
    const statuses = results.map((r) => r.response.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 400]);
  });

  it('never holds a follower longer than the wait limit when the leader hangs', async () => {
    const { key } = await createKey();
    let calls = 0;
    const fake = createFakeOrigin();
    const { app } = testApp({
      cache: { coalesce: true, coalesceWaitMs: 200 },
      originFetch: async (request) => {
        calls += 1;
        // The leader's engine answers only after its followers gave up on it.
        if (calls === 1) await new Promise((resolve) => setTimeout(resolve, 600));
        return fake.fetch(request);
      },
    });

    const results = await sendAll(app, key, 3);

    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200]);
    expect(calls).toBe(3);
  });

  it('does not coalesce a no-cache request with a flight in progress', async () => {
    const { key, tenantId } = await createKey();
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const origin = gatedOrigin((call) => (call === 1 ? gate : Promise.resolve()));
    const { app } = testApp({ originFetch: origin.fetch, cache: { coalesce: true } });
    const ctx = createExecutionContext();
    const leader = app.request('/v1/chat/completions', jsonRequest(key, body()), {}, ctx);
    const follower = app.request('/v1/chat/completions', jsonRequest(key, body()), {}, ctx);
    await followersWaiting(tenantId, 1);

    // The leader is still held upstream: a fresh request goes on its own.
    const fresh = await app.request(
      '/v1/chat/completions',
      jsonRequest(key, body(), { 'cache-control': 'no-cache' }),
      {},
      ctx,
    );
    expect(fresh.headers.get('x-switchyard-cache')).toBe('miss');
    expect(origin.calls()).toBe(2);
    open();
    const answers = await Promise.all([leader, follower]);
    await waitOnExecutionContext(ctx);
    expect(answers.map((r) => r.headers.get('x-switchyard-cache')).sort()).toEqual([
      'hit-exact',
      'miss',
    ]);
    expect(origin.calls()).toBe(2);
  });

  it('keeps two different keys of one shard in separate flights', async () => {
    const { key, tenantId } = await createKey();
    // Find two prompts whose keys fall in the same shard (256 shards: a few dozen tries).
    const seen = new Map<string, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined; i += 1) {
      const content = `prompt ${i}`;
      const { kvKey } = await exactCacheKey({
        tenantId,
        endpoint: 'chat',
        model: 'tiny',
        body: body({ messages: [{ role: 'user', content }] }),
      });
      const other = seen.get(flightShard(kvKey));
      if (other !== undefined) pair = [other, content];
      seen.set(flightShard(kvKey), content);
    }
    // The first call is held until the second arrives: were the keys one flight, it never would.
    const origin = gatedOrigin(async () => {
      for (let i = 0; i < 300 && origin.calls() < 2; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    });
    const { app } = testApp({ originFetch: origin.fetch, cache: { coalesce: true } });
    const ctx = createExecutionContext();
    const answers = await Promise.all(
      pair.map(async (content) =>
        app.request(
          '/v1/chat/completions',
          jsonRequest(key, body({ messages: [{ role: 'user', content }] })),
          {},
          ctx,
        ),
      ),
    );
    await waitOnExecutionContext(ctx);
    expect(answers.map((r) => r.headers.get('x-switchyard-cache'))).toEqual(['miss', 'miss']);
    expect(origin.calls()).toBe(2);
    expect(flightShard('acme/ab' + '0'.repeat(62))).toBe('flight-ab');
  });
});
