import { describe, expect, it } from 'vitest';
import { poolHealth } from '../../worker/core/pool-health';
import {
  chooseReplica,
  knownModels,
  rendezvousScore,
  servableModels,
} from '../../worker/core/replica-choice';
import { fixedNowMs, replica, seededRng } from './support/harness';

const base = { model: 'tiny', nowMs: fixedNowMs, staleMs: 5_000, inFlight: () => 0 };

describe('chooseReplica', () => {
  it.each([
    ['no replica serves the model', [replica({ models: ['other'] })], { kind: 'unknown_model' }],
    [
      'the only replica is warming',
      [replica({ state: 'warming' })],
      { kind: 'none_ready', states: ['warming'] },
    ],
    [
      'the only replica is stale',
      [replica({ lastSeenMs: fixedNowMs - 5_001 })],
      { kind: 'none_ready', states: ['ready'] },
    ],
  ])('when %s', (_name, replicas, expected) => {
    expect(chooseReplica({ ...base, prefixKey: 1, replicas, rng: seededRng() })).toMatchObject(
      expected,
    );
  });

  const pool = ['a', 'b', 'c'].map((replicaId) => replica({ replicaId }));
  const pick = (
    prefixKey: number,
    replicas = pool,
    extra: Partial<Parameters<typeof chooseReplica>[0]> = {},
  ) => {
    const choice = chooseReplica({
      ...base,
      prefixKey,
      replicas,
      rng: seededRng(prefixKey),
      ...extra,
    });
    return choice.kind === 'chosen' ? choice.replica.replicaId : choice.kind;
  };

  it('sends the same prefix to the same replica while load allows', () => {
    for (let key = 0; key < 200; key++) expect(pick(key)).toBe(pick(key));
  });

  it('follows rendezvous order: the top replica for a key, whatever the list order', () => {
    for (let key = 0; key < 200; key++) {
      const top = [...pool].sort(
        (x, y) => rendezvousScore(key, y.replicaId) - rendezvousScore(key, x.replicaId),
      )[0];
      expect(pick(key, [...pool].reverse())).toBe(top?.replicaId);
    }
  });

  it('spreads random prefixes within a few percent of uniform', () => {
    const rng = seededRng(99);
    const counts = new Map<string, number>();
    for (let i = 0; i < 6_000; i++) {
      const id = pick(Math.floor(rng.next() * 2 ** 32));
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const id of ['a', 'b', 'c'])
      expect(Math.abs((counts.get(id) ?? 0) / 2_000 - 1)).toBeLessThan(0.06);
  });

  it('moves only the keys of a removed replica (minimal disruption)', () => {
    for (let key = 0; key < 300; key++) {
      const before = pick(key);
      if (before !== 'c') expect(pick(key, pool.slice(0, 2))).toBe(before);
    }
  });

  it('skips a replica whose load would pass c × the mean, for the next in rank', () => {
    const key = [...Array(1000).keys()].find((k) => pick(k) === 'a') ?? 0;
    const busy = [
      replica({ replicaId: 'a', running: 10 }),
      replica({ replicaId: 'b' }),
      replica({ replicaId: 'c' }),
    ];
    // Mean load with the new request is 11 / 3; the bound is ceil(1.5 × 11 / 3) = 6 < 11.
    expect(pick(key, busy)).not.toBe('a');
  });

  it('keeps affinity when the preferred replica is busy but within the bound', () => {
    const key = [...Array(1000).keys()].find((k) => pick(k) === 'a') ?? 0;
    const loaded = [
      replica({ replicaId: 'a', running: 3 }),
      replica({ replicaId: 'b', running: 3 }),
      replica({ replicaId: 'c', running: 3 }),
    ];
    expect(pick(key, loaded)).toBe('a');
  });

  it("counts this isolate's own in-flight requests as load", () => {
    const key = [...Array(1000).keys()].find((k) => pick(k) === 'a') ?? 0;
    expect(pick(key, pool, { inFlight: (id) => (id === 'a' ? 10 : 0) })).not.toBe('a');
  });

  it('gives a replica that just turned ready a ramped share (slow start)', () => {
    const key = [...Array(1000).keys()].find((k) => pick(k) === 'a') ?? 0;
    const fresh = replica({ replicaId: 'a', readySinceMs: fixedNowMs - 1_000, running: 2 });
    const warm = [
      fresh,
      replica({ replicaId: 'b', running: 2 }),
      replica({ replicaId: 'c', running: 2 }),
    ];
    expect(pick(key, warm)).not.toBe('a');
    const settled = { ...fresh, readySinceMs: fixedNowMs - 60_000 };
    expect(pick(key, [settled, ...warm.slice(1)])).toBe('a');
  });

  it('never picks a replica that is not ready or is stale', () => {
    const mixed = [
      replica({ replicaId: 'a', state: 'draining' }),
      replica({ replicaId: 'b', lastSeenMs: fixedNowMs - 10_000 }),
      replica({ replicaId: 'c' }),
    ];
    for (let key = 0; key < 100; key++) expect(pick(key, mixed)).toBe('c');
  });

  it('gives the request to the least loaded replica when every one is at the bound', () => {
    const full = [
      replica({ replicaId: 'a', running: 4, readySinceMs: fixedNowMs - 1 }),
      replica({ replicaId: 'b', running: 9, readySinceMs: fixedNowMs - 1 }),
    ];
    expect(pick(7, full)).toBe('a');
  });
});

describe('model sets', () => {
  const replicas = [
    replica({ replicaId: 'a', models: ['small'] }),
    replica({ replicaId: 'b', models: ['large'], state: 'warming' }),
    replica({ replicaId: 'c', models: ['gone'], lastSeenMs: fixedNowMs - 60_000 }),
  ];
  it('knows every remembered model but serves only live ready ones', () => {
    expect([...knownModels(replicas)].sort()).toEqual(['gone', 'large', 'small']);
    expect([...servableModels(replicas, fixedNowMs, 5_000)]).toEqual(['small']);
  });
});

describe('poolHealth', () => {
  it.each([
    ['no replica', [], 'unhealthy'],
    ['only warming replicas', [replica({ state: 'warming' })], 'unhealthy'],
    ['all ready', [replica({ replicaId: 'a' }), replica({ replicaId: 'b' })], 'ok'],
    [
      'half ready',
      [replica({ replicaId: 'a' }), replica({ replicaId: 'b', state: 'failed' })],
      'degraded',
    ],
    [
      'a stale ready replica beside a live one',
      [replica({ replicaId: 'a' }), replica({ replicaId: 'b', lastSeenMs: fixedNowMs - 60_000 })],
      'ok',
    ],
    ['only a stale ready replica', [replica({ lastSeenMs: fixedNowMs - 60_000 })], 'unhealthy'],
  ])('is %s → %s', (_name, replicas, status) => {
    expect(poolHealth(replicas, fixedNowMs, 5_000).status).toBe(status);
  });

  it.each([
    ['one of two ready replicas ejected', ['a'], 'degraded', 1],
    ['both ejected', ['a', 'b'], 'unhealthy', 2],
    ['none ejected', [], 'ok', 0],
  ])('counts ejected replicas as unable to serve: %s → %s', (_name, ejected, status, count) => {
    const replicas = [replica({ replicaId: 'a' }), replica({ replicaId: 'b' })];
    const health = poolHealth(replicas, fixedNowMs, 5_000, (id) => !ejected.includes(id));
    expect(health).toMatchObject({ status, replicas: { ejected: count } });
  });
});
