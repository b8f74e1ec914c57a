import { describe, expect, it } from 'vitest';
import { heartbeatPath, heartbeatSchema } from '../../../contracts/heartbeat';
import { signatureHeader, timestampHeader, verify } from '../../../contracts/signature';
import { buildHeartbeat, type ReplicaIdentity } from '../../../origin/sidecar/heartbeat';
import { createHeartbeatSender } from '../../../origin/sidecar/heartbeat-sender';
import type { EngineLoad } from '../../../origin/sidecar/load-tracker';
import type { HttpFetch } from '../../../origin/sidecar/ports';
import { captureLogs } from './support/test-logger';

const identity: ReplicaIdentity = {
  replicaId: 'gpu-1',
  publicUrl: 'http://127.0.0.1:9001',
  models: ['small'],
  version: '0.1.0',
};
const load: EngineLoad = { running: 2, waiting: 1, kvCacheUsage: 0.5, tokensPerSecond: 123.456 };
const secret = 'test-pool-secret';

describe('buildHeartbeat', () => {
  it('builds a heartbeat the edge schema accepts, with start-up progress as detail', () => {
    const heartbeat = buildHeartbeat(identity, { state: 'starting', sinceMs: 0 }, load, 2_500);
    expect(heartbeatSchema.parse(heartbeat)).toEqual({
      replicaId: 'gpu-1',
      url: 'http://127.0.0.1:9001',
      models: ['small'],
      state: 'starting',
      running: 2,
      waiting: 1,
      kvCacheUsage: 0.5,
      tokensPerSecond: 123.5,
      version: '0.1.0',
      detail: 'engine loading, waiting for /health (2.5 s)',
    });
  });

  it('reports the pinned model revision when there is one', () => {
    const pinned = { ...identity, modelRevision: 'a1b2c3d' };
    const heartbeat = buildHeartbeat(pinned, { state: 'ready', sinceMs: 0 }, load, 0);
    expect(heartbeatSchema.parse(heartbeat)).toMatchObject({ modelRevision: 'a1b2c3d' });
    expect(buildHeartbeat(identity, { state: 'ready', sinceMs: 0 }, load, 0)).not.toHaveProperty(
      'modelRevision',
    );
  });

  it.each<[string, EngineLoad, Partial<ReturnType<typeof buildHeartbeat>>]>([
    ['cache usage above 1', { ...load, kvCacheUsage: 1.3 }, { kvCacheUsage: 1 }],
    [
      'negative figures',
      { running: -1, waiting: -2, kvCacheUsage: -0.1, tokensPerSecond: -5 },
      { running: 0, waiting: 0, kvCacheUsage: 0, tokensPerSecond: 0 },
    ],
    ['fractional counts', { ...load, running: 2.6, waiting: 0.2 }, { running: 3, waiting: 0 }],
  ])('keeps %s within the schema', (_name, given, expected) => {
    const heartbeat = buildHeartbeat(identity, { state: 'ready', sinceMs: 0 }, given, 0);
    expect(heartbeatSchema.safeParse(heartbeat).success).toBe(true);
    expect(heartbeat).toMatchObject(expected);
  });

  it('truncates a long failure detail to the schema limit and omits detail when there is none', () => {
    const failed = buildHeartbeat(
      identity,
      { state: 'failed', sinceMs: 0, detail: 'x'.repeat(600) },
      load,
      0,
    );
    expect(failed.detail).toHaveLength(512);
    expect(heartbeatSchema.safeParse(failed).success).toBe(true);
    expect(buildHeartbeat(identity, { state: 'ready', sinceMs: 0 }, load, 0)).not.toHaveProperty(
      'detail',
    );
  });
});

interface Posted {
  url: string;
  headers: Headers;
  body: string;
}

function fakeEdge(answers: (number | Error)[]): { fetch: HttpFetch; posted: Posted[] } {
  const posted: Posted[] = [];
  const fetch: HttpFetch = (url, init) => {
    posted.push({
      url,
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? init.body : '',
    });
    const answer = answers.shift() ?? 204;
    return answer instanceof Error
      ? Promise.reject(answer)
      : Promise.resolve(new Response(null, { status: answer }));
  };
  return { fetch, posted };
}

describe('createHeartbeatSender', () => {
  const heartbeat = buildHeartbeat(identity, { state: 'ready', sinceMs: 0 }, load, 0);

  it('posts a heartbeat the edge can verify with the heartbeat purpose only', async () => {
    const nowMs = 1_700_000_000_000;
    const edge = fakeEdge([204]);
    const { logger } = captureLogs();
    const sender = createHeartbeatSender({
      edgeUrl: 'http://edge',
      secret,
      fetch: edge.fetch,
      clock: { nowMs: () => nowMs },
      logger,
      timeoutMs: 1_000,
      failureLogIntervalMs: 30_000,
    });

    await expect(sender.send(heartbeat)).resolves.toBe(true);

    const [post] = edge.posted;
    expect(post?.url).toBe(`http://edge${heartbeatPath}`);
    expect(post?.headers.get('content-type')).toBe('application/json');
    expect(heartbeatSchema.parse(JSON.parse(post?.body ?? ''))).toEqual(heartbeat);
    const signed = {
      timestamp: post?.headers.get(timestampHeader),
      signature: post?.headers.get(signatureHeader),
    };
    await expect(verify(secret, 'heartbeat', post?.body ?? '', signed, nowMs)).resolves.toEqual({
      ok: true,
    });
    await expect(
      verify(secret, 'origin-request', post?.body ?? '', signed, nowMs),
    ).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(
      verify('another-secret-value', 'heartbeat', post?.body ?? '', signed, nowMs),
    ).resolves.toEqual({ ok: false, reason: 'invalid' });
  });

  it('logs an unreachable edge once, then at most once per interval, then its recovery', async () => {
    let nowMs = 0;
    const refused = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
    const edge = fakeEdge([refused, refused, 503, refused, refused, 204, 204]);
    const { logger, records } = captureLogs(() => nowMs);
    const sender = createHeartbeatSender({
      edgeUrl: 'http://edge',
      secret,
      fetch: edge.fetch,
      clock: { nowMs: () => nowMs },
      logger,
      timeoutMs: 1_000,
      failureLogIntervalMs: 30_000,
    });

    const outcomes: boolean[] = [];
    for (const atMs of [0, 1_000, 2_000, 29_000, 31_000, 32_000, 33_000]) {
      nowMs = atMs;
      outcomes.push(await sender.send(heartbeat));
    }

    expect(outcomes).toEqual([false, false, false, false, false, true, true]);
    expect(
      records.map(({ level, msg, reason, failures, suppressed }) => ({
        level,
        msg,
        reason,
        failures,
        suppressed,
      })),
    ).toEqual([
      {
        level: 'warn',
        msg: 'heartbeat not delivered; retrying every beat',
        reason: 'fetch failed: connect ECONNREFUSED',
        failures: undefined,
        suppressed: undefined,
      },
      {
        level: 'warn',
        msg: 'heartbeat still not delivered',
        reason: 'fetch failed: connect ECONNREFUSED',
        failures: 5,
        suppressed: 3,
      },
      {
        level: 'info',
        msg: 'heartbeat delivered again',
        reason: undefined,
        failures: 5,
        suppressed: undefined,
      },
    ]);
  });
});
