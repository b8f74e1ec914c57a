import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeEngines, post, proxySetup as setup, tokenGate } from './support/proxy-kit';

afterEach(closeEngines);

describe('admission control', () => {
  it('answers 429 with Retry-After beyond the concurrency limit and the queue, then serves the queued one', async () => {
    const gate = tokenGate();
    const { app, engine, admission } = await setup(
      { nextToken: gate.nextToken, tokens: 3 },
      { maxConcurrent: 1, maxQueued: 1 },
    );
    const first = await post(app, 'r-1', { prompt: 'p', stream: true });
    const queued = post(app, 'r-2', { prompt: 'p', stream: true });
    await vi.waitFor(() => expect(admission.queued()).toBe(1));

    const refused = await post(app, 'r-3', { prompt: 'p', stream: true });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ error: { code: 'overloaded' } });

    gate.open();
    await first.text();
    expect(await (await queued).text()).toContain('[DONE]');
    expect(engine.requests.map((r) => r.headers['x-request-id'])).toEqual(['r-1', 'r-2']);
  });

  it('answers 429 to a request that waited longer than the queue timeout', async () => {
    const gate = tokenGate();
    const { app, engine } = await setup(
      { nextToken: gate.nextToken, tokens: 3 },
      { maxConcurrent: 1, maxQueued: 4, queueTimeoutMs: 50 },
    );
    const first = await post(app, 'r-1', { prompt: 'p', stream: true });
    const late = await post(app, 'r-2', { prompt: 'p', stream: true });
    expect(late.status).toBe(429);
    expect(await late.json()).toMatchObject({
      error: { message: 'replica overloaded: waited too long for admission' },
    });
    gate.open();
    await first.text();
    expect(engine.requests).toHaveLength(1);
  });

  it('refuses a queued request with 503 when the replica stopped being ready meanwhile', async () => {
    const gate = tokenGate();
    const { app, engine, admission, setStatus } = await setup(
      { nextToken: gate.nextToken, tokens: 3 },
      { maxConcurrent: 1, maxQueued: 4 },
    );
    const first = await post(app, 'r-1', { prompt: 'p', stream: true });
    const queued = post(app, 'r-2', { prompt: 'p', stream: true });
    await vi.waitFor(() => expect(admission.queued()).toBe(1));
    setStatus({ state: 'draining', sinceMs: 0, detail: 'SIGTERM' });
    gate.open();
    await first.text();
    expect((await queued).status).toBe(503);
    expect(engine.requests).toHaveLength(1);
  });
});
