import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createKvCacheStore } from '../../worker/cache/cache-adapters';
import { purgeCache } from '../../worker/cache/purge';
import { createFakeOrigin } from './support/fake-origin';
import { createKey, jsonRequest, testAdminToken, testApp } from './support/harness';
import { chat } from './support/requests';

const admin = { authorization: `Bearer ${testAdminToken}` };
const ask = (content: string) => chat({ temperature: 0, messages: [{ role: 'user', content }] });

function setup() {
  const origin = createFakeOrigin();
  return { origin, ...testApp({ originFetch: origin.fetch, cache: {} }) };
}

describe('/admin/cache/purge', () => {
  it('purges one key, then a tenant, leaving other tenants alone', async () => {
    const { send } = setup();
    const a = await createKey();
    const b = await createKey();
    const first = await send('/v1/chat/completions', jsonRequest(a.key, ask('one')));
    await send('/v1/chat/completions', jsonRequest(a.key, ask('two')));
    await send('/v1/chat/completions', jsonRequest(b.key, ask('one')));
    const cacheKey = first.response.headers.get('x-switchyard-cache-key');

    const byKey = await send(
      '/admin/cache/purge',
      jsonRequest(undefined, { key: cacheKey }, admin),
    );
    expect(JSON.parse(byKey.text)).toEqual({ object: 'cache.purge', deleted: 1, more: false });
    const again = await send('/v1/chat/completions', jsonRequest(a.key, ask('one')));
    expect(again.response.headers.get('x-switchyard-cache')).toBe('miss');

    const byTenant = await send(
      '/admin/cache/purge',
      jsonRequest(undefined, { tenant: a.tenantId }, admin),
    );
    expect(JSON.parse(byTenant.text)).toMatchObject({ deleted: 2, more: false });
    expect((await env.CACHE.list({ prefix: `${a.tenantId}/` })).keys).toHaveLength(0);
    const other = await send('/v1/chat/completions', jsonRequest(b.key, ask('one')));
    expect(other.response.headers.get('x-switchyard-cache')).toBe('hit-exact');
  });

  it('purges everything with {"all": true}', async () => {
    const { send } = setup();
    const a = await createKey();
    await send('/v1/chat/completions', jsonRequest(a.key, ask('three')));
    const r = await send('/admin/cache/purge', jsonRequest(undefined, { all: true }, admin));
    expect(r.response.status).toBe(200);
    expect((await env.CACHE.list()).keys).toHaveLength(0);
  });

  it.each([
    ['no token', {}, { all: true }, 401],
    ['an API key instead of the admin token', 'api-key', { all: true }, 401],
    ['a malformed key', admin, { key: 'acme/not-a-hash' }, 400],
    ['two scopes at once', admin, { all: true, tenant: 'x' }, 400],
    ['all: false', admin, { all: false }, 400],
  ])('refuses %s', async (_name, headers, body, expected) => {
    const { send } = setup();
    const { key } = await createKey();
    const h = headers === 'api-key' ? { authorization: `Bearer ${key}` } : headers;
    const r = await send('/admin/cache/purge', jsonRequest(undefined, body, h));
    expect(r.response.status).toBe(expected);
  });

  it('stops after its delete budget and says more are left', async () => {
    const store = createKvCacheStore(env.CACHE);
    for (let i = 0; i < 7; i += 1) await store.put(`budget-tenant/${i}`, 'x', 60);
    const first = await purgeCache(store, { kind: 'tenant', tenantId: 'budget-tenant' }, 5);
    expect(first).toEqual({ deleted: 5, more: true });
    const second = await purgeCache(store, { kind: 'tenant', tenantId: 'budget-tenant' }, 5);
    expect(second).toEqual({ deleted: 2, more: false });
  });
});
