import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { cacheSalt } from '../../worker/core/cache-salt';
import { createKey, fixedNowMs, jsonRequest, staticPool, testApp } from './support/harness';
import { chat } from './support/requests';
import {
  ok,
  okStream,
  pool,
  scriptedOrigin,
  silent,
  sleep,
  status,
  type Behaviour,
} from './support/scripted-replicas';

const forwarding = { connectTimeoutMs: 50, maxAttempts: 3, ejectAfterFailures: 5 };

/** Different prompts land on different replicas (prefix affinity). */
const prompt = (i: number) => chat({ messages: [{ role: 'user', content: `question ${i}` }] });

function setup(replicaCount: number, behaviour: (replicaId: string) => Behaviour, extra = {}) {
  const origin = scriptedOrigin(behaviour);
  const harness = testApp({
    originFetch: origin.fetch,
    pool: staticPool(pool(replicaCount)),
    forwarding: { ...forwarding, ...extra },
  });
  return { origin, ...harness };
}

describe('retries before the first byte', () => {
  it('makes exactly maxAttempts attempts when every replica returns 503, then answers 503 in the envelope', async () => {
    const { origin, send } = setup(5, () => status(503));
    const { key } = await createKey();

    const { response, text } = await send('/v1/chat/completions', jsonRequest(key, chat()));

    expect(origin.calls).toHaveLength(3);
    expect(new Set(origin.calls.map((c) => c.replicaId)).size).toBe(3);
    expect(response.status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({ error: { type: 'service_unavailable_error' } });
  });

  const statuses = [400, 401, 403, 404, 413, 422, 429, 502, 503, 504];
  const cases = statuses.flatMap((code) =>
    [1, 2, 3, 4].map((replicas) => {
      const retryable = code === 429 || code >= 502;
      return { code, replicas, attempts: retryable ? Math.min(replicas, 3) : 1 };
    }),
  );
  it.each(cases)(
    'status $code with $replicas replicas → $attempts attempts, no ejection on a 4xx',
    async ({ code, replicas, attempts }) => {
      const { origin, send, deps } = setup(replicas, () => status(code));
      const { key } = await createKey();

      const { response } = await send('/v1/chat/completions', jsonRequest(key, chat()));

      expect(origin.calls).toHaveLength(attempts);
      expect(response.status).toBeGreaterThanOrEqual(400);
      if (code < 500) {
        for (const id of origin.calls.map((c) => c.replicaId)) {
          expect(deps.health.state(id)).toMatchObject({ consecutiveFailures: 0, ejected: false });
        }
      }
    },
  );

  it('fails over to another replica and answers 200 when the first is unreachable', async () => {
    const { origin, send } = setup(2, (id) =>
      id === 'r1' ? () => Promise.reject(new TypeError('refused')) : ok,
    );
    const { key } = await createKey();
    for (let i = 0; i < 4; i += 1) {
      const { response } = await send('/v1/chat/completions', jsonRequest(key, prompt(i)));
      expect(response.status).toBe(200);
    }
    expect(origin.callsTo('r2')).toBe(4);
  });

  it('aborts a stream attempt that got no headers before the next attempt starts, and logs both', async () => {
    const { origin, send } = setup(2, (id) => (id === 'r1' ? silent : okStream));
    const { key } = await createKey();
    // Keep going until one request was first sent to the silent replica.
    for (let i = 0; i < 20 && origin.callsTo('r1') === 0; i += 1) {
      await send('/v1/chat/completions', jsonRequest(key, { ...prompt(i), stream: true }));
    }
    const timedOut = origin.calls.find((c) => c.replicaId === 'r1');
    const retry = origin.calls.find((c) => c.requestId === timedOut?.requestId && c !== timedOut);
    expect(timedOut?.abortedAt).toBeDefined();
    expect(retry).toBeDefined();
    expect(timedOut?.abortedAt).toBeLessThan(retry?.startedAt ?? 0);
    const { results } = await env.DB.prepare(
      'SELECT attempt, replica_id, outcome, http_status FROM usage_attempts WHERE request_id = ? ORDER BY attempt',
    )
      .bind(timedOut?.requestId ?? '')
      .all();
    expect(results).toEqual([
      { attempt: 1, replica_id: 'r1', outcome: 'headers_timeout', http_status: 0 },
      { attempt: 2, replica_id: 'r2', outcome: 'done', http_status: 200 },
    ]);
  });

  it('fits the whole attempt sequence inside the request deadline (R6)', async () => {
    const startedAt = Date.now();
    const origin = scriptedOrigin(() => silent);
    const { send } = testApp({
      originFetch: origin.fetch,
      pool: staticPool(pool(3)),
      // The deadline is measured on the clock, so this test needs one that moves.
      clock: { nowMs: () => fixedNowMs + (Date.now() - startedAt) },
      forwarding: { ...forwarding, connectTimeoutMs: 200, requestDeadlineMs: 300 },
    });
    const { key } = await createKey();

    const { response, text } = await send(
      '/v1/chat/completions',
      jsonRequest(key, { ...chat(), stream: true }),
    );

    // 200 ms for the first attempt, the 100 ms left for the second, none for a third.
    expect(response.status).toBe(504);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'upstream_timeout' } });
    expect(origin.calls).toHaveLength(2);
    expect(origin.calls.every((call) => call.abortedAt !== undefined)).toBe(true);
  });

  it('gives a non-streamed answer the whole response timer, then 504 without a second generation', async () => {
    const { origin, send } = setup(2, () => silent, { responseTimeoutMs: 80 });
    const { key } = await createKey();

    const { response, text } = await send('/v1/chat/completions', jsonRequest(key, chat()));

    expect(response.status).toBe(504);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'upstream_timeout' } });
    expect(origin.calls).toHaveLength(1);
    expect(origin.calls[0]?.abortedAt).toBeDefined();
    const row = await env.DB.prepare(
      'SELECT outcome FROM usage_attempts WHERE request_id = ? AND attempt = 1',
    )
      .bind(response.headers.get('x-request-id'))
      .first();
    expect(row).toEqual({ outcome: 'response_timeout' });
  });

  it('keeps concurrent retries within max(20% of in-flight, 3) when 200 requests meet only 503s', async () => {
    const seen = new Map<string, number>();
    let retriesInFlight = 0;
    let peak = 0;
    const slow503: Behaviour = async (call) => {
      const n = (seen.get(call.requestId) ?? 0) + 1;
      seen.set(call.requestId, n);
      if (n > 1) peak = Math.max(peak, (retriesInFlight += 1));
      await sleep(20);
      if (n > 1) retriesInFlight -= 1;
      return status(503)(call, new AbortController().signal);
    };
    const { origin, send } = setup(3, () => slow503, {
      ejectAfterFailures: 10_000,
      connectTimeoutMs: 5_000,
    });
    const { key } = await createKey();

    const answers = await Promise.all(
      Array.from({ length: 200 }, () => send('/v1/chat/completions', jsonRequest(key, chat()))),
    );

    expect(answers.every(({ response }) => response.status === 503)).toBe(true);
    expect(peak).toBeGreaterThanOrEqual(3);
    expect(peak).toBeLessThanOrEqual(40);
    // The budget turned retries into client errors instead of tripling the load.
    expect(origin.calls.length).toBeLessThan(600);
    // 200 requests through workerd: allow a loaded machine more than the default 5 s.
  }, 30_000);

  it('starts no new attempt for a client that already went away', async () => {
    const client = new AbortController();
    const { origin, app, deps } = setup(3, () => (call, signal) => {
      client.abort();
      return status(503)(call, signal);
    });
    const { key } = await createKey();

    const response = await app.request('/v1/chat/completions', {
      ...jsonRequest(key, chat()),
      signal: client.signal,
    });
    await response.text();

    expect(origin.calls).toHaveLength(1);
    expect(deps.retryBudget.retriesInFlight()).toBe(0);
  });
});

describe('tenant cache_salt', () => {
  it('sends each tenant its own salt on every chat request, replacing a client-sent one', async () => {
    const { origin, send } = setup(1, () => ok);
    const a = await createKey();
    const b = await createKey();

    await send('/v1/chat/completions', jsonRequest(a.key, chat()));
    await send('/v1/chat/completions', jsonRequest(a.key, chat({ cache_salt: 'other-tenant' })));
    await send('/v1/chat/completions', jsonRequest(b.key, chat()));

    const salts = origin.calls.map((c) => c.body.cache_salt);
    expect(salts).toEqual([
      await cacheSalt(a.tenantId),
      await cacheSalt(a.tenantId),
      await cacheSalt(b.tenantId),
    ]);
    expect(salts[0]).not.toBe(salts[2]);
  });

  it('adds no salt when switched off', async () => {
    const { origin, send } = setup(1, () => ok, { cacheSalt: false });
    const { key } = await createKey();
    await send('/v1/chat/completions', jsonRequest(key, chat()));
    expect(origin.calls[0]?.body).not.toHaveProperty('cache_salt');
  });
});
