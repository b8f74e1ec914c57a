import { describe, expect, it } from 'vitest';
import { sessionTtlMs } from '../../worker/dashboard/admin-session';
import { dashboardAssetNames } from '../../worker/dashboard/assets.gen';
import type { Clock, Logger } from '../../worker/ports';
import { createFakeOrigin } from './support/fake-origin';
import { fixedNowMs, replica, staticPool, testAdminToken, testApp } from './support/harness';

/**
 * The dashboard at /admin: the page loads for anyone, its data only with the admin token or a
 * session cookie issued for it; the token travels in a POST body and never reaches a log line.
 */

const edge = 'http://edge.test';

function dashboardApp(
  options: { adminToken?: string | undefined; clock?: Clock; logger?: Logger } = {},
) {
  const pool = staticPool([
    replica({ replicaId: 'replica-b', lastSeenMs: fixedNowMs - 1_500, running: 2, waiting: 1 }),
    replica({ replicaId: 'replica-a', state: 'warming', lastSeenMs: fixedNowMs - 9_000 }),
  ]);
  return testApp({ originFetch: createFakeOrigin().fetch, pool, ...options });
}

type Send = ReturnType<typeof testApp>['send'];

async function logIn(send: Send, token: string, url = `${edge}/admin/session`) {
  const { response, text } = await send(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  const setCookie = response.headers.get('set-cookie') ?? '';
  const cookie = /^(switchyard_admin=[^;]+)/.exec(setCookie)?.[1];
  return { response, text, setCookie, cookie };
}

describe('GET /admin', () => {
  it('serves the page without credentials, with a login form that posts and no data', async () => {
    const { send } = dashboardApp();
    const { response, text } = await send('/admin');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(text).toMatch(/<form id="login-form" method="post" action="\/admin\/session"/);
    expect(text).not.toContain('replica-a');
  });

  it('names the script and stylesheet that Workers static assets serve', async () => {
    const page = (await dashboardApp().send('/admin')).text;
    const names = [...page.matchAll(/\/admin\/assets\/([\w.]+)/g)].map((m) => m[1]!);
    expect(names.sort()).toEqual(dashboardAssetNames);
  });
});

describe('unauthenticated access to dashboard data', () => {
  it.each(['/admin/pool', '/admin/keys', '/admin/reports/traffic?by=minute&from=0&to=60000'])(
    '%s answers 401 and carries no data',
    async (path) => {
      const { send } = dashboardApp();
      const { response, text } = await send(path);
      expect(response.status).toBe(401);
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'invalid_admin_token' } });
      expect(text).not.toContain('replica');
    },
  );

  it('refuses a forged, tampered or foreign session cookie', async () => {
    const { send } = dashboardApp();
    const { cookie } = await logIn(
      dashboardApp({ adminToken: 'another-admin-token-abcdef' }).send,
      'another-admin-token-abcdef',
    );
    const good = (await logIn(send, testAdminToken)).cookie!;
    // The last hex digit of the MAC, changed.
    const tampered = good.slice(0, -1) + (good.endsWith('0') ? '1' : '0');
    for (const value of [
      cookie!,
      tampered,
      'switchyard_admin=1.2.3',
      `switchyard_admin=${testAdminToken}`,
    ]) {
      const { response } = await send('/admin/pool', { headers: { cookie: value } });
      expect(response.status).toBe(401);
    }
  });
});

describe('POST /admin/session (log in) and DELETE (log out)', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie that is not the token', async () => {
    const { send } = dashboardApp();
    const { response, setCookie, cookie } = await logIn(send, testAdminToken);
    expect(response.status).toBe(200);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/admin/);
    expect(setCookie).not.toMatch(/Secure/);
    expect(setCookie).not.toContain(testAdminToken);
    expect(response.headers.get('cache-control')).toBe('no-store');

    const pool = await send('/admin/pool', { headers: { cookie: cookie! } });
    expect(pool.response.status).toBe(200);
  });

  it('marks the cookie Secure over https', async () => {
    const { setCookie } = await logIn(
      dashboardApp().send,
      testAdminToken,
      'https://edge.test/admin/session',
    );
    expect(setCookie).toMatch(/Secure/);
  });

  it('answers 401 without a cookie for a wrong token, and 403 when the admin API is off', async () => {
    const wrong = await logIn(dashboardApp().send, `${testAdminToken}x`);
    expect(wrong.response.status).toBe(401);
    expect(wrong.setCookie).toBe('');
    const off = await logIn(dashboardApp({ adminToken: undefined }).send, testAdminToken);
    expect(off.response.status).toBe(403);
  });

  it('ends the session when it expires', async () => {
    let nowMs = fixedNowMs;
    const { send } = dashboardApp({ clock: { nowMs: () => nowMs } });
    const { cookie } = await logIn(send, testAdminToken);
    nowMs += sessionTtlMs - 1;
    expect((await send('/admin/pool', { headers: { cookie: cookie! } })).response.status).toBe(200);
    nowMs += 1;
    expect((await send('/admin/pool', { headers: { cookie: cookie! } })).response.status).toBe(401);
  });

  it('logs out by clearing the cookie', async () => {
    const { response } = await dashboardApp().send('/admin/session', { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(response.headers.get('set-cookie')).toMatch(
      /^switchyard_admin=; Max-Age=0; Path=\/admin/,
    );
  });

  it('never writes the token or the session to a log line', async () => {
    const lines: string[] = [];
    const record = (msg: string, fields?: Record<string, unknown>) =>
      lines.push(JSON.stringify({ msg, ...fields }));
    const { send } = dashboardApp({ logger: { info: record, warn: record, error: record } });
    const { cookie } = await logIn(send, testAdminToken);
    await logIn(send, `${testAdminToken}-wrong`);
    await send('/admin/pool', { headers: { cookie: cookie! } });
    await send('/admin/keys', { method: 'POST', headers: { cookie: cookie! } });
    await send('/admin/session', { method: 'DELETE', headers: { cookie: cookie! } });
    expect(lines.some((l) => l.includes('admin session started'))).toBe(true);
    expect(lines.some((l) => l.includes('admin login refused'))).toBe(true);
    const all = lines.join('\n');
    expect(all).not.toContain(testAdminToken);
    expect(all).not.toContain(cookie!.split('=')[1]!);
  });
});

describe('the session on changing requests', () => {
  it('creates a key from the page (same origin) but not from another site', async () => {
    const { send } = dashboardApp();
    const { cookie } = await logIn(send, testAdminToken);
    const create = (headers: Record<string, string>) =>
      send(`${edge}/admin/keys`, {
        method: 'POST',
        headers: { cookie: cookie!, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ tenantId: 'dash', name: 'from the page' }),
      });
    expect((await create({ origin: edge })).response.status).toBe(201);
    const foreign = await create({ origin: 'https://evil.test' });
    expect(foreign.response.status).toBe(403);
    expect(JSON.parse(foreign.text)).toMatchObject({ error: { code: 'cross_origin_request' } });
    expect((await create({})).response.status).toBe(403);
  });

  it('keeps the bearer token working for scripts', async () => {
    const { send } = dashboardApp();
    const { response } = await send('/admin/pool', {
      headers: { authorization: `Bearer ${testAdminToken}` },
    });
    expect(response.status).toBe(200);
  });
});

describe('GET /admin/pool', () => {
  it('lists every replica with its state, load, heartbeat age and ejections, and the health summary', async () => {
    const { send } = dashboardApp();
    const { text } = await send('/admin/pool', {
      headers: { authorization: `Bearer ${testAdminToken}` },
    });
    const body = JSON.parse(text) as { health: unknown; replicas: Record<string, unknown>[] };
    expect(body.health).toEqual({
      status: 'ok',
      replicas: { ready: 1, ejected: 0, live: 1, known: 2 },
    });
    expect(body.replicas.map((r) => r.replicaId)).toEqual(['replica-a', 'replica-b']);
    expect(body.replicas[0]).toMatchObject({
      state: 'warming',
      heartbeatAgeMs: 9_000,
      stale: true,
    });
    expect(body.replicas[1]).toMatchObject({
      state: 'ready',
      running: 2,
      waiting: 1,
      heartbeatAgeMs: 1_500,
      stale: false,
      ejections: 0,
      ejected: false,
    });
  });
});
