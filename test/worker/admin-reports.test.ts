import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createFakeOrigin } from './support/fake-origin';
import { createKey, jsonRequest, testAdminToken, testApp } from './support/harness';

const admin = { headers: { authorization: `Bearer ${testAdminToken}` } };

describe('GET /admin/reports/:name', () => {
  it('serves the usage report over the usage rows the gateway wrote', async () => {
    const { send } = testApp({ originFetch: createFakeOrigin().fetch });
    const { key, tenantId } = await createKey();
    await send(
      '/v1/chat/completions',
      jsonRequest(
        key,
        { model: 'tiny', messages: [{ role: 'user', content: 'hi' }] },
        { 'x-switchyard-tag': 'reports-test' },
      ),
    );

    const { response, text } = await send(
      '/admin/reports/usage?by=tag&from=0&to=9999999999999',
      admin,
    );

    expect(response.status).toBe(200);
    const body = JSON.parse(text) as {
      report: string;
      by: string;
      rows: Record<string, unknown>[];
    };
    expect(body).toMatchObject({ report: 'usage', by: 'tag' });
    expect(body.rows.find((r) => r.group === 'reports-test')).toMatchObject({
      requests: 1,
      prompt_tokens: 11,
    });
    expect(tenantId).toBeTruthy();
  });

  it('answers CSV when asked', async () => {
    await env.DB.prepare("INSERT OR IGNORE INTO pools VALUES ('p', 'tiny', 1, 1, 0)").run();
    const { send } = testApp({ originFetch: createFakeOrigin().fetch });

    const { response, text } = await send(
      '/admin/reports/cost?format=csv&from=0&to=9999999999999',
      admin,
    );

    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(text.split('\r\n')[0]).toMatch(
      /^group,requests,prompt_tokens,completion_tokens,gpus,api_cost_usd,pool_cost_usd/,
    );
  });

  it.each([
    ['an unknown report', '/admin/reports/nope', admin, 400],
    ['a grouping the report lacks', '/admin/reports/cost?by=tag', admin, 400],
    ['a bad time', '/admin/reports/usage?from=yesterday-ish', admin, 400],
    ['no admin token', '/admin/reports/usage', {}, 401],
    ['an API key instead of the admin token', '/admin/reports/usage', 'api-key', 401],
  ] as const)('refuses %s with %i in the envelope', async (_name, path, init, status) => {
    const { send } = testApp({ originFetch: createFakeOrigin().fetch });
    const requestInit =
      init === 'api-key'
        ? { headers: { authorization: `Bearer ${(await createKey()).key}` } }
        : init;

    const { response, text } = await send(path, requestInit);

    expect(response.status).toBe(status);
    expect(JSON.parse(text)).toMatchObject({ error: { message: expect.any(String) } });
  });
});
