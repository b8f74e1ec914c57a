import { describe, expect, it } from 'vitest';
import { poolHealth } from '../../worker/core/pool-health';
import { chooseReplica, knownModels, servableModels } from '../../worker/core/replica-choice';
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
    [
      'the least loaded ready one wins',
      [
        replica({ replicaId: 'busy', running: 4 }),
        replica({ replicaId: 'idle', running: 1 }),
        replica({ replicaId: 'x', state: 'draining' }),
      ],
      { kind: 'chosen', replica: { replicaId: 'idle' } },
    ],
    [
      'reported waiting counts as load',
      [replica({ replicaId: 'a', waiting: 3 }), replica({ replicaId: 'b', running: 2 })],
      { kind: 'chosen', replica: { replicaId: 'b' } },
    ],
  ])('when %s', (_name, replicas, expected) => {
    expect(chooseReplica({ ...base, replicas, rng: seededRng() })).toMatchObject(expected);
  });

  it("counts this isolate's own in-flight requests", () => {
    const replicas = [replica({ replicaId: 'a' }), replica({ replicaId: 'b' })];
    const inFlight = (id: string) => (id === 'a' ? 2 : 0);
    expect(chooseReplica({ ...base, replicas, inFlight, rng: seededRng() })).toMatchObject({
      replica: { replicaId: 'b' },
    });
  });

  it('breaks ties at random, spreading over every tied replica', () => {
    const replicas = ['a', 'b', 'c'].map((replicaId) => replica({ replicaId }));
    const rng = seededRng(7);
    const picks = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const choice = chooseReplica({ ...base, replicas, rng });
      if (choice.kind === 'chosen')
        picks.set(choice.replica.replicaId, (picks.get(choice.replica.replicaId) ?? 0) + 1);
    }
    expect([...picks.keys()].sort()).toEqual(['a', 'b', 'c']);
    for (const count of picks.values()) expect(count).toBeGreaterThan(60);
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
});
