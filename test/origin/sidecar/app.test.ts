import { describe, expect, it } from 'vitest';
import type { ReplicaState } from '../../../contracts/heartbeat';
import { signatureHeader, timestampHeader } from '../../../contracts/signature';
import { createFakeEngine } from './support/fake-engine';
import { edgeHeaders, sidecarHarness, testNowMs } from './support/sidecar-harness';

const completionsPath = '/v1/completions';
const body = JSON.stringify({ model: 'small', prompt: 'hi', max_tokens: 2 });

/** The app with an in-process fake engine reached through `app.request`, no sockets. */
function setup() {
  const engine = createFakeEngine();
  const harness = sidecarHarness({
    baseUrl: 'http://engine.test',
    fetch: (url, init) => Promise.resolve(engine.app.request(url, init)),
  });
  return { engine, ...harness };
}

async function expectEnvelope(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/json');
  const envelope = (await response.json()) as { error: Record<string, unknown> };
  expect(envelope).toEqual({
    error: {
      message: expect.any(String) as string,
      type: expect.any(String) as string,
      param: null,
      code,
    },
  });
}

const notReady: ReplicaState[] = [
  'starting',
  'warming',
  'draining',
  'stopped',
  'failed',
  'sleeping',
  'waking',
];

describe('sidecar probes', () => {
  it.each<ReplicaState>([...notReady, 'ready'])(
    'answers /livez with 200 while %s',
    async (state) => {
      const { app, setStatus } = setup();
      setStatus({ state, sinceMs: testNowMs });
      expect((await app.request('/livez')).status).toBe(200);
    },
  );

  it.each<[ReplicaState, number]>([
    ...notReady.map((s): [ReplicaState, number] => [s, 503]),
    ['ready', 200],
  ])('answers /readyz while %s with %i', async (state, status) => {
    const { app, setStatus } = setup();
    setStatus({ state, sinceMs: testNowMs });
    const response = await app.request('/readyz');
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ ready: state === 'ready', state });
  });

  it('describes the replica on /state', async () => {
    const { app, setStatus } = setup();
    setStatus({
      state: 'failed',
      sinceMs: testNowMs - 1_000,
      detail: 'engine exited unexpectedly with code 1',
    });
    expect(await (await app.request('/state')).json()).toEqual({
      replicaId: 'gpu-1',
      state: 'failed',
      detail: 'engine exited unexpectedly with code 1',
      models: ['small'],
      inFlight: 0,
      queued: 0,
      enginePid: 4242,
      uptimeMs: 60_000,
    });
  });

  it('answers an unknown route with 404 in the OpenAI envelope', async () => {
    const { app } = setup();
    await expectEnvelope(await app.request('/nope'), 404, 'not_found');
  });
});

describe('origin credential on /v1/*', () => {
  it.each<[string, () => Promise<Record<string, string>>]>([
    ['no credential at all', () => Promise.resolve({})],
    [
      'no request id',
      async () => {
        const headers = await edgeHeaders('POST', completionsPath, 'req-1');
        delete headers['x-request-id'];
        return headers;
      },
    ],
    [
      'a signature from another secret',
      () => edgeHeaders('POST', completionsPath, 'req-1', { secret: 'not-the-pool-secret' }),
    ],
    [
      'an expired timestamp',
      () => edgeHeaders('POST', completionsPath, 'req-1', { nowMs: testNowMs - 6_000 }),
    ],
    [
      'a timestamp from the future',
      () => edgeHeaders('POST', completionsPath, 'req-1', { nowMs: testNowMs + 6_000 }),
    ],
    [
      'a signature for another path',
      () => edgeHeaders('POST', completionsPath, 'req-1', { signedPath: '/v1/embeddings' }),
    ],
    [
      'a signature for another request id',
      async () => ({
        ...(await edgeHeaders('POST', completionsPath, 'req-1')),
        'x-request-id': 'req-2',
      }),
    ],
    ['a signature for another method', () => edgeHeaders('GET', completionsPath, 'req-1')],
    [
      'a malformed signature',
      async () => ({
        ...(await edgeHeaders('POST', completionsPath, 'req-1')),
        [signatureHeader]: 'zz',
      }),
    ],
    [
      'a malformed timestamp',
      async () => ({
        ...(await edgeHeaders('POST', completionsPath, 'req-1')),
        [timestampHeader]: 'soon',
      }),
    ],
  ])('rejects %s with 401 and never calls the engine', async (_name, headers) => {
    const { app, engine } = setup();
    const response = await app.request(completionsPath, {
      method: 'POST',
      headers: await headers(),
      body,
    });
    await expectEnvelope(response, 401, 'unauthorized');
    expect(engine.requests).toHaveLength(0);
  });

  it('accepts a valid credential even when the client added a query string', async () => {
    const { app, engine } = setup();
    const headers = await edgeHeaders('POST', completionsPath, 'req-1');
    const response = await app.request(`${completionsPath}?trace=1`, {
      method: 'POST',
      headers,
      body,
    });
    expect(response.status).toBe(200);
    expect(engine.requests.map((r) => r.search)).toEqual(['?trace=1']);
  });
});

describe('readiness gate on /v1/*', () => {
  it.each(notReady)(
    'answers 503 with retry-after while %s and never calls the engine',
    async (state) => {
      const { app, engine, setStatus } = setup();
      setStatus({ state, sinceMs: testNowMs });
      const headers = await edgeHeaders('POST', completionsPath, 'req-1');
      const response = await app.request(completionsPath, { method: 'POST', headers, body });
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      await expectEnvelope(response, 503, 'replica_not_ready');
      expect(engine.requests).toHaveLength(0);
    },
  );

  it('checks the credential before readiness, so strangers learn nothing about the state', async () => {
    const { app, setStatus } = setup();
    setStatus({ state: 'starting', sinceMs: testNowMs });
    await expectEnvelope(
      await app.request(completionsPath, { method: 'POST', body }),
      401,
      'unauthorized',
    );
  });

  it('answers 502 when the engine does not answer', async () => {
    const harness = sidecarHarness({
      baseUrl: 'http://engine.test',
      fetch: () =>
        Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') })),
    });
    const headers = await edgeHeaders('POST', completionsPath, 'req-1');
    const response = await harness.app.request(completionsPath, { method: 'POST', headers, body });
    await expectEnvelope(response, 502, 'engine_unreachable');
    expect(harness.inFlight.count()).toBe(0);
    expect(harness.logs.map((l) => [l.level, l.msg, l.error])).toEqual([
      ['warn', 'engine request failed', 'fetch failed: connect ECONNREFUSED'],
    ]);
  });
});
