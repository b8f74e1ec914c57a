import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../contracts/api-key';
import { createDurableKeyLimiter } from '../../worker/limits/durable-key-limiter';
import { createFakeOrigin } from './support/fake-origin';
import { fixedNowMs, jsonRequest, testAdminToken, testApp } from './support/harness';

const adminHeaders = (token: string | null = testAdminToken) => ({
  'content-type': 'application/json',
  ...(token === null ? {} : { authorization: `Bearer ${token}` }),
});

const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

let tenantSeq = 0;

interface CreatedKey {
  key: { id: string; tenantId: string; prefix: string; status: string; limits: object };
  secret: string;
  warning: string;
}

function adminApp() {
  const { send } = testApp({ originFetch: createFakeOrigin().fetch });
  const admin = async (method: string, path: string, body?: unknown) => {
    const init: RequestInit = { method, headers: adminHeaders() };
    if (body !== undefined) init.body = JSON.stringify(body);
    const { response, text } = await send(`/admin/keys${path}`, init);
    return {
      status: response.status,
      headers: response.headers,
      json: JSON.parse(text) as unknown,
    };
  };
  const create = async (body: Record<string, unknown> = {}) => {
    const result = await admin('POST', '', {
      tenantId: `acme-${++tenantSeq}`,
      name: 'backend',
      ...body,
    });
    expect(result.status).toBe(201);
    return result.json as CreatedKey;
  };
  const models = async (secret: string) => (await send('/v1/models', bearer(secret))).response;
  return { send, admin, create, models };
}

/** Every row of every application table, as one string to search. */
async function dumpD1(): Promise<string> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
  ).all<{ name: string }>();
  const dumps = await Promise.all(
    tables.results.map(async ({ name }) => env.DB.prepare(`SELECT * FROM "${name}"`).all()),
  );
  return JSON.stringify(dumps.map((d) => d.results));
}

describe('POST /admin/keys', () => {
  it('returns a working secret once and stores only its hash', async () => {
    const { create, models } = adminApp();
    const created = await create({ tenantName: 'Acme Corp', limits: { requestsPerMinute: 60 } });

    expect(created.secret).toMatch(/^sk-sy-/);
    expect(created.warning).toMatch(/only once/);
    expect(created.key).toMatchObject({ status: 'active', prefix: created.secret.slice(0, 10) });
    expect((await models(created.secret)).status).toBe(200);

    const row = await env.DB.prepare('SELECT * FROM api_keys WHERE id = ?')
      .bind(created.key.id)
      .first<Record<string, unknown>>();
    expect(row).toMatchObject({
      key_hash: await hashApiKey(created.secret),
      requests_per_minute: 60,
    });
    const everything = await dumpD1();
    expect(everything).not.toContain(created.secret);
    expect(everything).not.toContain(created.secret.slice('sk-sy-'.length));
  });

  it('creates the tenant when it is missing and reuses it when it exists', async () => {
    const { create } = adminApp();
    const first = await create({ tenantId: 'globex', tenantName: 'Globex' });
    await create({ tenantId: 'globex', tenantName: 'Ignored, the tenant exists' });

    const tenant = await env.DB.prepare('SELECT * FROM tenants WHERE id = ?')
      .bind(first.key.tenantId)
      .first();
    expect(tenant).toEqual({ id: 'globex', name: 'Globex', created_at_ms: fixedNowMs });
  });

  it.each([
    ['a missing name', { tenantId: 'acme' }, 'name'],
    ['a tenant id with a space', { tenantId: 'ac me', name: 'x' }, 'tenantId'],
    [
      'a negative limit',
      { tenantId: 'acme', name: 'x', limits: { tokensPerMinute: -1 } },
      'limits.tokensPerMinute',
    ],
    [
      'a fractional rpm',
      { tenantId: 'acme', name: 'x', limits: { requestsPerMinute: 1.5 } },
      'limits.requestsPerMinute',
    ],
    ['a misspelt limit', { tenantId: 'acme', name: 'x', limits: { rpm: 10 } }, 'limits'],
    ['an unknown field', { tenantId: 'acme', name: 'x', keyHash: 'ab' }, ''],
    [
      'payload logging that is not a boolean',
      { tenantId: 'a', name: 'x', logPayloads: 1 },
      'logPayloads',
    ],
    [
      'payload logging put among the limits',
      { tenantId: 'acme', name: 'x', limits: { logPayloads: true } },
      'limits',
    ],
  ])('rejects %s with a 400 envelope', async (_case, body, param) => {
    const { admin } = adminApp();
    const { status, json } = await admin('POST', '', body);
    expect(status).toBe(400);
    expect(json).toMatchObject({
      error: { type: 'invalid_request_error', code: 'invalid_request', param: param || null },
    });
  });

  it.each([
    ['off when the body says nothing', {}, false, 0],
    ['on when asked for', { logPayloads: true }, true, 1],
  ])(
    'turns payload logging %s, in the answer, the listing and D1',
    async (_c, body, on, stored) => {
      const { admin, create } = adminApp();
      const created = await create(body);
      expect(created.key).toMatchObject({ logPayloads: on });

      const { json } = await admin('GET', `?tenant=${created.key.tenantId}`);
      expect(json).toMatchObject({ data: [{ id: created.key.id, logPayloads: on }] });
      const row = await env.DB.prepare('SELECT log_payloads FROM api_keys WHERE id = ?')
        .bind(created.key.id)
        .first();
      expect(row).toEqual({ log_payloads: stored });
    },
  );

  it('rejects a body that is not JSON with a 400 envelope', async () => {
    const { send } = adminApp();
    const { response, text } = await send('/admin/keys', {
      method: 'POST',
      headers: adminHeaders(),
      body: '{"tenantId":',
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'invalid_json' } });
  });
});

describe('GET /admin/keys', () => {
  it('lists keys of one tenant, with prefixes and limits but no hash', async () => {
    const { admin, create } = adminApp();
    const a = await create({ tenantId: 'listed', limits: { maxConcurrency: 4 } });
    const b = await create({ tenantId: 'listed', name: 'batch' });
    await create({ tenantId: 'other' });

    const { status, json } = await admin('GET', '?tenant=listed');
    expect(status).toBe(200);
    const { data } = json as { data: Record<string, unknown>[] };
    expect(data.map((k) => k.id).sort()).toEqual([a.key.id, b.key.id].sort());
    expect(data[0]).toMatchObject({ tenantId: 'listed', status: 'active' });
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/hash/i);
    for (const created of [a, b]) {
      expect(text).not.toContain(await hashApiKey(created.secret));
      expect(text).not.toContain(created.secret);
    }
  });

  it('rejects a malformed tenant filter with a 400 envelope', async () => {
    const { admin } = adminApp();
    const { status, json } = await admin('GET', `?tenant=${encodeURIComponent("x' OR 1=1")}`);
    expect(status).toBe(400);
    expect(json).toMatchObject({ error: { code: 'invalid_request', param: 'tenant' } });
  });
});

describe('POST /admin/keys/:id/revoke', () => {
  it('turns the very next /v1 request away with 401', async () => {
    const { admin, create, send } = adminApp();
    const created = await create();

    const { status, json } = await admin('POST', `/${created.key.id}/revoke`);
    expect(status).toBe(200);
    expect(json).toMatchObject({ key: { status: 'revoked', revokedAtMs: fixedNowMs } });
    expect((await send('/v1/models', bearer(created.secret))).response.status).toBe(401);
    const chat = await send(
      '/v1/chat/completions',
      jsonRequest(created.secret, { model: 'tiny', messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(chat.response.status).toBe(401);
  });

  it("marks the key's Durable Object revoked, which stops an isolate that cached the key's auth", async () => {
    const { admin, create } = adminApp();
    const created = await create();
    await admin('POST', `/${created.key.id}/revoke`);

    const admission = await createDurableKeyLimiter(env.RATE_LIMITER).admit(
      created.key.id,
      {
        requestsPerMinute: null,
        tokensPerMinute: null,
        monthlyBudgetUsd: null,
        maxConcurrency: null,
      },
      { leaseId: 'cached-auth', reserveTokens: 1, nowMs: fixedNowMs },
    );
    expect(admission).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('answers 404 in the OpenAI envelope for an unknown key id', async () => {
    const { admin } = adminApp();
    const { status, json } = await admin('POST', '/key_missing/revoke');
    expect(status).toBe(404);
    expect(json).toMatchObject({ error: { type: 'not_found_error', code: 'not_found' } });
  });
});

describe('POST /admin/keys/:id/rotate', () => {
  it('issues a new secret for the same key id and the old one stops working at once', async () => {
    const { admin, create, models } = adminApp();
    const created = await create();

    const { status, json } = await admin('POST', `/${created.key.id}/rotate`);
    expect(status).toBe(200);
    const rotated = json as CreatedKey;
    expect(rotated.key.id).toBe(created.key.id);
    expect(rotated.secret).not.toBe(created.secret);
    expect((await models(created.secret)).status).toBe(401);
    expect((await models(rotated.secret)).status).toBe(200);
  });

  it("keeps the key's limits and its counters", async () => {
    const { admin, create, send } = adminApp();
    const created = await create({ limits: { requestsPerMinute: 3 } });
    const chat = (secret: string) =>
      send(
        '/v1/chat/completions',
        jsonRequest(secret, { model: 'tiny', messages: [{ role: 'user', content: 'hi' }] }),
      );
    await chat(created.secret);

    const rotated = (await admin('POST', `/${created.key.id}/rotate`)).json as CreatedKey;
    const after = await chat(rotated.secret);
    expect(after.response.status).toBe(200);
    expect(after.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(rotated.key.limits).toMatchObject({ requestsPerMinute: 3 });
  });

  it('answers 404 in the OpenAI envelope for an unknown key id', async () => {
    const { admin } = adminApp();
    const { status, json } = await admin('POST', '/key_missing/rotate');
    expect(status).toBe(404);
    expect(json).toMatchObject({ error: { type: 'not_found_error', code: 'not_found' } });
  });

  it('refuses with 409 to rotate a revoked key, whose new secret could never work', async () => {
    const { admin, create } = adminApp();
    const created = await create();
    await admin('POST', `/${created.key.id}/revoke`);

    const { status, json } = await admin('POST', `/${created.key.id}/rotate`);
    expect(status).toBe(409);
    expect(json).toMatchObject({ error: { code: 'invalid_request' } });
    expect(JSON.stringify(json)).not.toContain('sk-sy-');
  });
});

describe('the admin token', () => {
  it.each([
    ['missing', null],
    ['wrong', 'not-the-admin-token-0000'],
    ['an API key', 'sk-sy-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
  ])('answers 401 when the token is %s', async (_case, token) => {
    const { send } = testApp({ originFetch: createFakeOrigin().fetch });
    for (const [method, path] of [
      ['GET', '/admin/keys'],
      ['POST', '/admin/keys'],
      ['POST', '/admin/keys/key_x/revoke'],
      ['POST', '/admin/keys/key_x/rotate'],
    ] as const) {
      const { response, text } = await send(path, {
        method,
        headers: adminHeaders(token),
        body: method === 'POST' ? '{}' : null,
      });
      expect(response.status).toBe(401);
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'invalid_admin_token' } });
    }
  });

  it('answers 403 on every key route when no ADMIN_TOKEN is configured', async () => {
    const { send } = testApp({ originFetch: createFakeOrigin().fetch, adminToken: undefined });
    const { response, text } = await send('/admin/keys', { headers: adminHeaders() });
    expect(response.status).toBe(403);
    expect(JSON.parse(text)).toMatchObject({
      error: { code: 'admin_disabled', type: 'permission_error' },
    });
  });

  it('marks responses that carry a secret no-store', async () => {
    const { admin } = adminApp();
    const result = await admin('POST', '', { tenantId: 'cache-check', name: 'x' });
    expect(result.headers.get('cache-control')).toBe('no-store');
  });
});
