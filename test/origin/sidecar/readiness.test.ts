import { describe, expect, it } from 'vitest';
import type { HttpFetch, Sleep } from '../../../origin/sidecar/ports';
import {
  runCanaryGeneration,
  sendGeneration,
  waitForEngineHealth,
  type ReadinessDeps,
} from '../../../origin/sidecar/readiness';
import { createFakeEngine, type FakeEngineOptions } from './support/fake-engine';

/** A clock that only moves when the code under test sleeps: start-up runs in no real time. */
function virtualTime(fetch: HttpFetch): ReadinessDeps & { calls: string[] } {
  let nowMs = 0;
  const calls: string[] = [];
  const sleep: Sleep = (ms) => {
    nowMs += ms;
    return Promise.resolve();
  };
  return {
    engineBaseUrl: 'http://engine.test',
    clock: { nowMs: () => nowMs },
    sleep,
    calls,
    fetch: (url, init) => {
      calls.push(`${nowMs} ${init?.method ?? 'GET'} ${new URL(url).pathname}`);
      return fetch(url, init);
    },
  };
}

const refused = (): Promise<Response> =>
  Promise.reject(
    new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:8000') }),
  );
const probe = { deadlineMs: 2_000, retryIntervalMs: 500, signal: new AbortController().signal };

describe('waitForEngineHealth', () => {
  it('polls until the engine starts listening', async () => {
    let attempts = 0;
    const deps = virtualTime(() =>
      ++attempts < 3 ? refused() : Promise.resolve(new Response(null)),
    );
    await expect(waitForEngineHealth(deps, probe)).resolves.toEqual({ ok: true });
    expect(deps.calls).toEqual(['0 GET /health', '500 GET /health', '1000 GET /health']);
  });

  it('gives up at the deadline and says what it last saw', async () => {
    const deps = virtualTime(refused);
    const result = await waitForEngineHealth(deps, probe);
    expect(result).toEqual({
      ok: false,
      reason:
        'engine /health did not succeed before the start-up deadline (last: fetch failed: connect ECONNREFUSED 127.0.0.1:8000)',
    });
    expect(deps.calls).toHaveLength(4);
  });

  it('keeps polling while /health answers an error status', async () => {
    const deps = virtualTime(() => Promise.resolve(new Response(null, { status: 503 })));
    const result = await waitForEngineHealth(deps, probe);
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringContaining('/health answered 503') as string,
    });
  });

  it('stops when its signal aborts (the engine exited or a drain began)', async () => {
    const stop = new AbortController();
    stop.abort();
    const deps = virtualTime(refused);
    await expect(waitForEngineHealth(deps, { ...probe, signal: stop.signal })).resolves.toEqual({
      ok: false,
      reason: 'engine /health abandoned',
    });
    expect(deps.calls).toHaveLength(0);
  });
});

describe('runCanaryGeneration', () => {
  const withEngine = (options: FakeEngineOptions) => {
    const engine = createFakeEngine(options);
    const deps = virtualTime((url, init) => Promise.resolve(engine.app.request(url, init)));
    return { engine, deps };
  };

  it('is ready after a real one-token completion of the served model', async () => {
    const { engine, deps } = withEngine({});
    await expect(
      runCanaryGeneration(deps, { ...probe, model: 'small', requestId: 'canary-1' }),
    ).resolves.toEqual({
      ok: true,
    });
    expect(engine.requests).toHaveLength(1);
    expect(JSON.parse(engine.requests[0]?.body ?? '')).toMatchObject({
      model: 'small',
      max_tokens: 1,
    });
    // The engine's log tells the sidecar's own requests from the edge's.
    expect(engine.requests[0]?.headers['x-request-id']).toBe('canary-1');
  });

  it('is not ready when /health says 200 but generation produces no token', async () => {
    const { deps } = withEngine({ generatesNothing: true });
    const result = await runCanaryGeneration(deps, {
      ...probe,
      model: 'small',
      requestId: 'canary-1',
    });
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringContaining('generation produced no token') as string,
    });
  });

  it.each<[string, () => Promise<Response>, string]>([
    [
      'an error status',
      () => Promise.resolve(Response.json({ error: {} }, { status: 500 })),
      'generation answered 500',
    ],
    [
      'a body that is not JSON',
      () => Promise.resolve(new Response('<html>')),
      'generation body is not a completion',
    ],
    [
      'a completion without choices',
      () => Promise.resolve(Response.json({ choices: [] })),
      'generation body is not a completion',
    ],
  ])('retries until the deadline on %s', async (_name, answer, reason) => {
    const deps = virtualTime(answer);
    const result = await runCanaryGeneration(deps, {
      ...probe,
      model: 'small',
      requestId: 'canary-1',
    });
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining(reason) as string });
    expect(deps.calls.length).toBeGreaterThan(1);
  });

  it.each([
    ['a chat answer with content', { choices: [{ message: { content: 'Hi' } }] }, true],
    ['a chat answer with null content', { choices: [{ message: { content: null } }] }, false],
    ['usage counting a token', { choices: [{ text: '' }], usage: { completion_tokens: 1 } }, true],
  ])('judges %s by whether a token came back', async (_name, body, ok) => {
    const answer = () => Promise.resolve(Response.json(body));
    const generation = {
      path: '/v1/chat/completions' as const,
      body: { model: 'small', messages: [] },
      requestId: 'warmup-1',
    };
    const result = await sendGeneration(virtualTime(answer), generation, AbortSignal.timeout(1000));
    expect(result.ok).toBe(ok);
  });

  it('accepts a completion without usage when it carries text', async () => {
    const deps = virtualTime(() => Promise.resolve(Response.json({ choices: [{ text: ' the' }] })));
    await expect(
      runCanaryGeneration(deps, { ...probe, model: 'small', requestId: 'canary-1' }),
    ).resolves.toEqual({
      ok: true,
    });
  });
});
