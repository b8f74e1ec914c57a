import { describe, expect, it } from 'vitest';
import { createKey, fixedNowMs, jsonRequest, staticPool, testApp } from './support/harness';
import { chat } from './support/requests';
import { ok, pool, scriptedOrigin, status, type Behaviour } from './support/scripted-replicas';

const k = 3;
const ejectionBaseMs = 1000;

/** Different prompts land on different replicas (prefix affinity). */
const prompt = (i: number) => chat({ messages: [{ role: 'user', content: `question ${i}` }] });

function setup(replicaCount: number, behaviour: (replicaId: string) => Behaviour) {
  let nowMs = fixedNowMs;
  const origin = scriptedOrigin(behaviour);
  const harness = testApp({
    originFetch: origin.fetch,
    pool: staticPool(pool(replicaCount)),
    clock: { nowMs: () => nowMs },
    forwarding: { maxAttempts: 3, ejectAfterFailures: k, ejectionBaseMs, ejectionMaxMs: 4000 },
  });
  return { origin, advance: (ms: number) => (nowMs += ms), ...harness };
}

describe('passive health', () => {
  it('ejects a replica after k consecutive 503s, sends it nothing, then re-admits it through a probe', async () => {
    let r1Healthy = false;
    const { origin, send, deps, advance } = setup(2, (id) =>
      id === 'r1' ? (call, signal) => (r1Healthy ? ok : status(503))(call, signal) : ok,
    );
    const { key } = await createKey();
    let i = 0;
    const sendUntil = async (done: () => boolean) => {
      for (const stop = i + 60; i < stop && !done(); i += 1) {
        const { response } = await send('/v1/chat/completions', jsonRequest(key, prompt(i)));
        // Failover hides every failure from the client (R2).
        expect(response.status).toBe(200);
      }
    };

    await sendUntil(() => origin.callsTo('r1') === k);
    expect(origin.callsTo('r1')).toBe(k);
    expect(deps.health.admits('r1', deps.clock.nowMs())).toBe(false);

    const before = origin.callsTo('r1');
    const firstAfter = i;
    await sendUntil(() => i >= firstAfter + 20);
    expect(origin.callsTo('r1')).toBe(before);

    advance(ejectionBaseMs);
    r1Healthy = true;
    await sendUntil(() => origin.callsTo('r1') > before);
    expect(origin.callsTo('r1')).toBe(before + 1);
    expect(deps.health.state('r1')).toMatchObject({ ejected: false, consecutiveFailures: 0 });
    expect(deps.health.admits('r1', deps.clock.nowMs())).toBe(true);
  });

  it('keeps a replica out for longer when its probe fails', async () => {
    const { origin, send, deps, advance } = setup(2, (id) => (id === 'r1' ? status(503) : ok));
    const { key } = await createKey();
    let i = 0;
    const sendUntil = async (done: () => boolean) => {
      for (const stop = i + 60; i < stop && !done(); i += 1) {
        await send('/v1/chat/completions', jsonRequest(key, prompt(i)));
      }
    };

    await sendUntil(() => origin.callsTo('r1') === k);
    advance(ejectionBaseMs);
    await sendUntil(() => origin.callsTo('r1') === k + 1);

    expect(deps.health.state('r1')).toMatchObject({ ejected: true, ejections: 2 });
    advance(ejectionBaseMs);
    expect(deps.health.admits('r1', deps.clock.nowMs())).toBe(false);
    advance(ejectionBaseMs);
    expect(deps.health.admits('r1', deps.clock.nowMs())).toBe(true);
  });

  it.each([
    ['400', status(400)],
    ['404', status(404)],
    ['429', status(429)],
    ['422', status(422)],
  ])('never ejects a replica for %s answers', async (_name, answer) => {
    const { origin, send, deps } = setup(2, () => answer);
    const { key } = await createKey();
    for (let i = 0; i < 3 * k; i += 1) {
      await send('/v1/chat/completions', jsonRequest(key, prompt(i)));
    }
    expect(origin.calls.length).toBeGreaterThanOrEqual(3 * k);
    for (const id of ['r1', 'r2']) {
      expect(deps.health.state(id)).toMatchObject({ ejected: false, consecutiveFailures: 0 });
    }
  });

  it('never ejects the last replica: it keeps failing fast instead of leaving none', async () => {
    const { origin, send, deps } = setup(1, () => status(503));
    const { key } = await createKey();
    for (let i = 0; i < 2 * k; i += 1) {
      const { response } = await send('/v1/chat/completions', jsonRequest(key, prompt(i)));
      expect(response.status).toBe(503);
    }
    expect(origin.calls).toHaveLength(2 * k);
    expect(deps.health.state('r1')).toMatchObject({ ejected: false, consecutiveFailures: 2 * k });
  });
});
