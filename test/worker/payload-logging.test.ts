import { env } from 'cloudflare:workers';
import { createScheduledController } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { payloadCapBytes } from '../../worker/core/payload-row';
import worker from '../../worker/index';
import { createFakeOrigin, defaultScript } from './support/fake-origin';
import { createKey, fixedNowMs, jsonRequest, testApp } from './support/harness';

/** RELIABILITY O2: prompts and answers are stored only for keys that opt in, and redacted. */

const retentionMs = 7 * 24 * 60 * 60 * 1000;
const dayMs = 24 * 60 * 60 * 1000;

// The engine answers with personal data too, split across stream chunks on purpose.
const script = {
  ...defaultScript,
  tokens: ['Reach ops at ops@', 'engine.test', ' or card 4111 1111', ' 1111 1111', '.'],
};
const prompt = 'I am jane.doe@example.com, card 5555 5555 5555 4444, call +44 20 7946 0958.';
const chat = (extra: Record<string, unknown> = {}) => ({
  model: 'tiny',
  messages: [{ role: 'user', content: prompt }],
  ...extra,
});

async function payloadRow(requestId: string | null) {
  return env.DB.prepare('SELECT * FROM request_payloads WHERE request_id = ?')
    .bind(requestId)
    .first<Record<string, unknown>>();
}

async function sendChat(key: string, body: unknown, origin = createFakeOrigin(script)) {
  const { send } = testApp({ originFetch: origin.fetch, payloadRetentionMs: retentionMs });
  const { response, text } = await send('/v1/chat/completions', jsonRequest(key, body));
  expect(response.status).toBe(200);
  return { requestId: response.headers.get('x-request-id'), text };
}

describe('a key that opted in to payload logging', () => {
  it('stores the forwarded request and the JSON answer, redacted, with its expiry', async () => {
    const { key, keyId, tenantId } = await createKey({ logPayloads: true });
    const { requestId } = await sendChat(key, chat());

    const row = await payloadRow(requestId);
    expect(row).toMatchObject({
      tenant_id: tenantId,
      key_id: keyId,
      created_at_ms: fixedNowMs,
      expires_at_ms: fixedNowMs + retentionMs,
      truncated: 0,
    });
    const request = JSON.parse(String(row?.request)) as { messages: { content: string }[] };
    expect(request.messages[0]?.content).toBe('I am [email], card [card], call [phone].');
    const response = JSON.parse(String(row?.response)) as {
      choices: { message: { content: string } }[];
    };
    expect(response.choices[0]?.message.content).toBe('Reach ops at [email] or card [card].');
  });

  it("stores a stream's concatenated text, redacted across chunk boundaries", async () => {
    const { key } = await createKey({ logPayloads: true });
    const { requestId, text } = await sendChat(key, chat({ stream: true }));
    expect(text).toContain('ops@');

    const row = await payloadRow(requestId);
    expect(row?.response).toBe('Reach ops at [email] or card [card].');
    // The body as forwarded: the gateway always asks a stream for usage.
    expect(JSON.parse(String(row?.request))).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(row?.truncated).toBe(0);
  });

  it('caps a long prompt at 64 KiB and marks the row truncated', async () => {
    const { key } = await createKey({ logPayloads: true });
    const long = chat({ messages: [{ role: 'user', content: 'é'.repeat(payloadCapBytes) }] });
    const { requestId } = await sendChat(key, long);

    const row = await payloadRow(requestId);
    expect(new TextEncoder().encode(String(row?.request)).length).toBeLessThanOrEqual(
      payloadCapBytes,
    );
    expect(row?.truncated).toBe(1);
  });
});

describe('a key that did not opt in', () => {
  it.each([
    ['a JSON answer', {}],
    ['a stream', { stream: true }],
  ])('leaves no prompt or answer text anywhere in D1 for %s', async (_case, extra) => {
    const canary = { prompt: 'canary-prompt-text-4f9c1e', answer: 'canary-answer-text-8d21b7' };
    const origin = createFakeOrigin({
      ...defaultScript,
      tokens: ['canary-answer-', 'text-8d21b7'],
    });
    const { key, keyId } = await createKey();
    const { requestId, text } = await sendChat(
      key,
      { model: 'tiny', messages: [{ role: 'user', content: canary.prompt }], ...extra },
      origin,
    );
    expect(text).toContain('canary-answer-');

    expect(await payloadRow(requestId)).toBeNull();
    const { results: tables } = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
    ).all<{ name: string }>();
    const dumps = await Promise.all(
      tables.map(
        async ({ name }) => (await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results,
      ),
    );
    const everything = JSON.stringify(dumps);
    // Booleans, so a failure does not print every table.
    expect(everything.includes(String(requestId))).toBe(true);
    expect(everything.includes(canary.prompt)).toBe(false);
    expect(everything.includes(canary.answer)).toBe(false);
    const stored = await env.DB.prepare(
      'SELECT COUNT(*) AS n FROM request_payloads WHERE key_id = ?',
    )
      .bind(keyId)
      .first();
    expect(stored).toEqual({ n: 0 });
  });
});

describe('the hourly retention cron', () => {
  it('deletes payloads whose retention has ended and keeps the fresh ones', async () => {
    const nowMs = fixedNowMs + 100 * dayMs;
    const insert = (requestId: string, expiresAtMs: number) =>
      env.DB.prepare(
        `INSERT INTO request_payloads (request_id, tenant_id, key_id, created_at_ms, expires_at_ms, request, response, truncated)
         VALUES (?, 't', 'k', ?, ?, '{}', '', 0)`,
      ).bind(requestId, expiresAtMs - retentionMs, expiresAtMs);
    await env.DB.batch([
      insert('cron-expired', nowMs - dayMs),
      insert('cron-expiring-now', nowMs),
      insert('cron-fresh', nowMs + 1),
    ]);

    const controller = createScheduledController({ scheduledTime: nowMs, cron: '17 * * * *' });
    await worker.scheduled(controller, env);

    const { results } = await env.DB.prepare(
      "SELECT request_id FROM request_payloads WHERE request_id LIKE 'cron-%'",
    ).all();
    expect(results).toEqual([{ request_id: 'cron-fresh' }]);
  });
});
