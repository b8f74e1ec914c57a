import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Heartbeat } from '../../contracts/heartbeat';
import { sign } from '../../contracts/signature';
import { createKey } from './support/harness';

// These go through the real Worker entry: bindings.ts, the POOL Durable Object, local D1.
const secret = 'test-pool-secret';

const heartbeat = (overrides: Partial<Heartbeat> = {}): Heartbeat => ({
  replicaId: 'hb-1',
  url: 'http://127.0.0.1:9',
  models: ['hb-model'],
  state: 'ready',
  running: 0,
  waiting: 0,
  kvCacheUsage: 0.1,
  tokensPerSecond: 0,
  version: 'test',
  ...overrides,
});

async function post(body: string, headers: Record<string, string>) {
  return exports.default.fetch('http://edge.test/internal/pool/heartbeat', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

async function listModels() {
  const { key } = await createKey();
  const response = await exports.default.fetch('http://edge.test/v1/models', {
    headers: { authorization: `Bearer ${key}` },
  });
  const body: { data: { id: string }[] } = await response.json();
  return body.data.map((m) => m.id);
}

describe('POST /internal/pool/heartbeat', () => {
  it('registers a replica whose heartbeat is signed, and its model becomes listed', async () => {
    const body = JSON.stringify(heartbeat());
    const response = await post(body, { ...(await sign(secret, 'heartbeat', body, Date.now())) });
    expect(response.status).toBe(204);
    // The isolate's snapshot is up to a second old.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await listModels()).toContain('hb-model');
  });

  it.each([
    [
      'no signature',
      (_body: string): Promise<Record<string, string>> => Promise.resolve({}),
      'missing',
    ],
    [
      'a wrong secret',
      async (body: string) => ({
        ...(await sign('another-secret', 'heartbeat', body, Date.now())),
      }),
      'invalid',
    ],
    [
      'an old timestamp',
      async (body: string) => ({ ...(await sign(secret, 'heartbeat', body, Date.now() - 60_000)) }),
      'expired',
    ],
    [
      'a signature made for origin requests',
      async (body: string) => ({ ...(await sign(secret, 'origin-request', body, Date.now())) }),
      'invalid',
    ],
  ])('rejects a heartbeat with %s', async (_name, headersFor, reason) => {
    const body = JSON.stringify(heartbeat({ replicaId: 'intruder', models: ['evil'] }));
    const response = await post(body, await headersFor(body));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: { code: 'invalid_signature', message: expect.stringContaining(reason) },
    });
  });

  it('rejects a signed heartbeat that breaks the contract', async () => {
    const body = JSON.stringify({ ...heartbeat(), state: 'dancing' });
    const response = await post(body, { ...(await sign(secret, 'heartbeat', body, Date.now())) });
    expect(response.status).toBe(400);
  });

  it('rejects a body changed after signing', async () => {
    const body = JSON.stringify(heartbeat());
    const headers = { ...(await sign(secret, 'heartbeat', body, Date.now())) };
    const response = await post(body.replace('hb-model', 'hijacked'), headers);
    expect(response.status).toBe(401);
  });
});
