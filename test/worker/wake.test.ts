import { describe, expect, it } from 'vitest';
import { originRequestPayload, verify } from '../../contracts/signature';
import type { PoolDirectory, ReplicaView } from '../../worker/ports';
import { createFakeOrigin } from './support/fake-origin';
import {
  createKey,
  fixedNowMs,
  jsonRequest,
  replica,
  testApp,
  testPoolSecret,
} from './support/harness';
import { chat } from './support/requests';

/** A pool whose replicas the test changes, as heartbeats would. */
function mutablePool(replicas: ReplicaView[]): PoolDirectory {
  return { snapshot: () => Promise.resolve([...replicas]), heartbeat: () => Promise.resolve(true) };
}

describe('a sleeping pool', () => {
  it('is woken through the signed /wake and the request is served once a replica is ready', async () => {
    const replicas = [
      replica({ replicaId: 'sleepy-1', url: 'http://sleepy-1.test', state: 'sleeping' }),
    ];
    const engine = createFakeOrigin();
    const wakes: Request[] = [];
    const originFetch = async (request: Request) => {
      if (new URL(request.url).pathname === '/wake') {
        wakes.push(request);
        // The sidecar answers 202 at once; `ready` comes later, by heartbeat.
        setTimeout(() => (replicas[0] = { ...replicas[0]!, state: 'ready' }), 300);
        return new Response(null, { status: 202 });
      }
      return engine.fetch(request);
    };
    const { send } = testApp({ originFetch, pool: mutablePool(replicas) });
    const { key } = await createKey();

    const results = await Promise.all(
      [1, 2, 3].map(() => send('/v1/chat/completions', jsonRequest(key, chat()))),
    );

    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200]);
    expect(wakes).toHaveLength(1);
    const wake = wakes[0]!;
    const requestId = wake.headers.get('x-request-id') ?? '';
    expect(
      await verify(
        testPoolSecret,
        'origin-request',
        originRequestPayload('POST', '/wake', requestId),
        {
          timestamp: wake.headers.get('x-switchyard-timestamp'),
          signature: wake.headers.get('x-switchyard-signature'),
        },
        fixedNowMs,
      ),
    ).toEqual({ ok: true });
  });

  it('answers 503 with Retry-After when the woken replica is not ready by the deadline', async () => {
    const replicas = [
      replica({ replicaId: 'sleepy-2', url: 'http://sleepy-2.test', state: 'sleeping' }),
    ];
    let wakes = 0;
    const originFetch = (request: Request) => {
      if (new URL(request.url).pathname === '/wake') wakes++;
      return Promise.resolve(new Response(null, { status: 202 }));
    };
    let nowMs = fixedNowMs;
    const clock = { nowMs: () => (nowMs += 100) };
    const { send } = testApp({
      originFetch,
      pool: mutablePool(replicas),
      clock,
      forwarding: { wakeTimeoutMs: 1_000 },
    });
    const { key } = await createKey();

    const { response } = await send('/v1/chat/completions', jsonRequest(key, chat()));

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(wakes).toBe(1);
  });

  it('neither wakes nor waits when nothing sleeps', async () => {
    const calls: string[] = [];
    const originFetch = (request: Request) => {
      calls.push(new URL(request.url).pathname);
      return Promise.resolve(new Response(null, { status: 202 }));
    };
    const { send } = testApp({
      originFetch,
      pool: mutablePool([replica({ replicaId: 'failed-1', state: 'failed' })]),
      // Were it to wait, a 60 s deadline would time the test out.
      forwarding: { wakeTimeoutMs: 60_000 },
    });
    const { key } = await createKey();

    const { response } = await send('/v1/chat/completions', jsonRequest(key, chat()));

    expect(response.status).toBe(503);
    expect(calls).toEqual([]);
  });
});
