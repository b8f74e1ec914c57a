import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createDurableKeyLimiter } from '../../worker/limits/durable-key-limiter';
import { createFakeOrigin } from './support/fake-origin';
import { createKey, fixedNowMs, jsonRequest, testApp, usageRow } from './support/harness';
import { chat } from './support/requests';

describe('per-key limits in the RATE_LIMITER Durable Object', () => {
  it('lets exactly 10 of 100 concurrent requests through a limit of 10 per minute', async () => {
    const origin = createFakeOrigin();
    const { send } = testApp({ originFetch: origin.fetch });
    const { key } = await createKey({ requestsPerMinute: 10 });

    const results = await Promise.all(
      Array.from({ length: 100 }, () => send('/v1/chat/completions', jsonRequest(key, chat()))),
    );

    const statuses = results.map((r) => r.response.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(90);
    expect(origin.requests).toHaveLength(10);
    const rejected = results.find((r) => r.response.status === 429);
    expect(rejected?.response.headers.get('retry-after')).toBe('6');
    expect(rejected?.response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(JSON.parse(rejected?.text ?? '{}')).toMatchObject({
      error: { code: 'rate_limit_exceeded', type: 'rate_limit_error' },
    });
    expect(await usageRow(rejected?.response.headers.get('x-request-id') ?? null)).toMatchObject({
      http_status: 429,
      rate_limited: 'requests',
      replica_id: 'r1',
      prompt_tokens: 0,
    });
  });

  it('sends x-ratelimit headers whose remaining counts fall request by request', async () => {
    const { send } = testApp({ originFetch: createFakeOrigin().fetch });
    const { key } = await createKey({ requestsPerMinute: 5, tokensPerMinute: 100_000 });

    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { response } = await send(
        '/v1/chat/completions',
        jsonRequest(key, chat({ max_tokens: 10 })),
      );
      remaining.push(response.headers.get('x-ratelimit-remaining-requests') ?? '');
      expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('100000');
    }
    expect(remaining).toEqual(['4', '3', '2']);
  });

  it('reserves max_tokens up front and gives back what the answer did not use', async () => {
    const { send } = testApp({ originFetch: createFakeOrigin().fetch });
    const { key } = await createKey({ tokensPerMinute: 2_000 });

    const first = await send('/v1/chat/completions', jsonRequest(key, chat({ max_tokens: 1_500 })));
    // The reservation of 1,500 (+ prompt) was reconciled to the 17 tokens really used.
    expect(first.response.status).toBe(200);
    const second = await send(
      '/v1/chat/completions',
      jsonRequest(key, chat({ max_tokens: 1_500 })),
    );
    expect(second.response.status).toBe(200);
    expect(Number(second.response.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(500);
  });

  it('rejects max_tokens above the key policy with 400, before any origin call', async () => {
    const origin = createFakeOrigin();
    const { send } = testApp({ originFetch: origin.fetch });
    const { key } = await createKey({ maxTokensPerRequest: 100 });

    const { response, text } = await send(
      '/v1/chat/completions',
      jsonRequest(key, chat({ max_tokens: 60, n: 2 })),
    );

    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({
      error: { code: 'max_tokens_exceeds_policy', param: 'max_tokens' },
    });
    expect(origin.requests).toHaveLength(0);
  });

  it('stops a key whose monthly budget is spent, with a clear error', async () => {
    await env.DB.prepare(
      'INSERT OR REPLACE INTO model_prices (model, input_usd_per_million, output_usd_per_million, updated_at_ms) VALUES (?, ?, ?, ?)',
    )
      .bind('tiny', 10_000, 10_000, fixedNowMs)
      .run();
    const { send } = testApp({ originFetch: createFakeOrigin().fetch });
    const { key } = await createKey({ monthlyBudgetUsd: 0.1 });

    // 17 tokens at $10,000 per million = $0.17, more than the $0.10 budget.
    const first = await send('/v1/chat/completions', jsonRequest(key, chat()));
    const second = await send('/v1/chat/completions', jsonRequest(key, chat()));

    expect(first.response.status).toBe(200);
    expect(await usageRow(first.response.headers.get('x-request-id'))).toMatchObject({
      cost_usd: 0.17,
    });
    expect(second.response.status).toBe(429);
    expect(JSON.parse(second.text)).toMatchObject({
      error: { code: 'budget_exceeded', type: 'insufficient_quota' },
    });
    expect(Number(second.response.headers.get('retry-after'))).toBeGreaterThan(0);
    await env.DB.prepare('DELETE FROM model_prices WHERE model = ?').bind('tiny').run();
  });

  it('does not consult a limiter for a key without counted limits', async () => {
    const { send } = testApp({ originFetch: createFakeOrigin().fetch });
    const { key, keyId } = await createKey();
    // Marked revoked in its object, but an unlimited key never asks the object; D1 says active.
    await createDurableKeyLimiter(env.RATE_LIMITER).setRevoked(keyId, true, fixedNowMs);

    const { response } = await send('/v1/chat/completions', jsonRequest(key, chat()));

    expect(response.status).toBe(200);
    expect(response.headers.get('x-ratelimit-limit-requests')).toBeNull();
  });

  it('revokes a limited key on the very next request through its Durable Object', async () => {
    const { send } = testApp({ originFetch: createFakeOrigin().fetch });
    const { key, keyId } = await createKey({ requestsPerMinute: 100 });
    expect((await send('/v1/chat/completions', jsonRequest(key, chat()))).response.status).toBe(
      200,
    );

    await createDurableKeyLimiter(env.RATE_LIMITER).setRevoked(keyId, true, fixedNowMs);

    const { response, text } = await send('/v1/chat/completions', jsonRequest(key, chat()));
    expect(response.status).toBe(401);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'invalid_api_key' } });
  });

  it('records one attempt row per upstream call with its replica and status', async () => {
    const { send } = testApp({ originFetch: createFakeOrigin().fetch });
    const { key } = await createKey();

    const { response } = await send(
      '/v1/chat/completions',
      jsonRequest(key, chat({ stream: true })),
    );

    const { results } = await env.DB.prepare('SELECT * FROM usage_attempts WHERE request_id = ?')
      .bind(response.headers.get('x-request-id'))
      .all();
    expect(results).toMatchObject([
      { attempt: 1, replica_id: 'r1', http_status: 200, outcome: 'done' },
    ]);
  });
});

describe('max_tokens policy without a max_tokens in the request', () => {
  it('writes the cap into the forwarded body so leaving it out buys nothing', async () => {
    const origin = createFakeOrigin();
    const { send } = testApp({ originFetch: origin.fetch });
    const { key } = await createKey({ maxTokensPerRequest: 100 });

    const { response } = await send('/v1/chat/completions', jsonRequest(key, chat({ n: 3 })));

    expect(response.status).toBe(200);
    expect(origin.requests[0]?.body).toMatchObject({ max_tokens: 33, n: 3 });
  });

  it.each([
    [
      'a negative max_completion_tokens on completions',
      '/v1/completions',
      { prompt: 'hi', max_completion_tokens: -100_000 },
    ],
    [
      'a string max_completion_tokens',
      '/v1/completions',
      { prompt: 'hi', max_completion_tokens: 'many' },
    ],
  ])('rejects %s with 400 before any reservation', async (_name, path, extra) => {
    const origin = createFakeOrigin();
    const { send } = testApp({ originFetch: origin.fetch });
    const { key } = await createKey({ tokensPerMinute: 1_000 });

    const { response } = await send(path, jsonRequest(key, { model: 'tiny', ...extra }));

    expect(response.status).toBe(400);
    expect(origin.requests).toHaveLength(0);
  });
});
