import { describe, expect, it } from 'vitest';
import {
  compileRoute,
  decideTier,
  isBorderline,
  isSaturated,
  thresholdForShare,
  type CompiledRoute,
} from '../../worker/router/route';
import { fixedNowMs, replica } from './support/harness';

const twoTiers: CompiledRoute = {
  name: 'auto',
  tiers: [
    { name: 'small', model: 's' },
    { name: 'large', model: 'l' },
  ],
  thresholds: [0.5],
  downgrade: { enabled: true, margin: 0.1 },
};

const threeTiers: CompiledRoute = {
  ...twoTiers,
  tiers: [...twoTiers.tiers.slice(0, 1), { name: 'medium', model: 'm' }, twoTiers.tiers[1]!],
  thresholds: [0.3, 0.7],
};

describe('thresholdForShare', () => {
  it.each([
    { scores: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0], share: 0.3, threshold: 0.8 },
    { scores: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0], share: 0.35, threshold: 0.8 },
    { scores: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0], share: 0.5, threshold: 0.6 },
    // A tie across the cut moves the threshold above the tied scores: never more than the share.
    { scores: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.7, 0.9, 1.0], share: 0.3, threshold: 0.9 },
    // Nothing may go up: the threshold is above every score.
    { scores: [0.1, 0.2, 0.3], share: 0.2, threshold: 0.300001 },
  ])('sends at most $share of $scores up at $threshold', ({ scores, share, threshold }) => {
    const t = thresholdForShare(scores, share);
    expect(t).toBeCloseTo(threshold, 6);
    expect(scores.filter((s) => s >= t).length).toBeLessThanOrEqual(share * scores.length);
  });

  it('refuses an empty reference distribution', () => {
    expect(() => thresholdForShare([], 0.3)).toThrow(/no reference scores/);
  });

  it('compiles a target into a threshold, and keeps explicit thresholds as given', () => {
    const spec = {
      router: 'hashed-logistic-v1' as const,
      tiers: [...twoTiers.tiers],
      downgrade: { enabled: false, margin: 0.1 },
    };
    const scores = Array.from({ length: 100 }, (_, i) => i / 100);
    expect(
      compileRoute('auto', { ...spec, target: { topTierShare: 0.25 } }, scores).thresholds,
    ).toEqual([0.75]);
    expect(compileRoute('auto', { ...spec, thresholds: [0.42] }, scores).thresholds).toEqual([
      0.42,
    ]);
  });
});

describe('decideTier', () => {
  const never = () => false;
  const always = () => true;
  it.each([
    { route: twoTiers, score: 0.1, saturated: never, tier: 'small', threshold: 0 },
    { route: twoTiers, score: 0.5, saturated: never, tier: 'large', threshold: 0.5 },
    { route: twoTiers, score: 0.95, saturated: never, tier: 'large', threshold: 0.5 },
    // Borderline (within the margin above the threshold) and the large tier saturated: down.
    { route: twoTiers, score: 0.55, saturated: always, tier: 'small', threshold: 0, down: 'large' },
    // Clearly hard: stays large however busy the large tier is.
    { route: twoTiers, score: 0.6, saturated: always, tier: 'large', threshold: 0.5 },
    { route: threeTiers, score: 0.2, saturated: never, tier: 'small', threshold: 0 },
    { route: threeTiers, score: 0.5, saturated: never, tier: 'medium', threshold: 0.3 },
    {
      route: threeTiers,
      score: 0.75,
      saturated: always,
      tier: 'medium',
      threshold: 0.3,
      down: 'large',
    },
    { route: threeTiers, score: 0.9, saturated: always, tier: 'large', threshold: 0.7 },
  ])(
    'score $score → $tier (saturated: $saturated.name)',
    ({ route, score, saturated, tier, threshold, down }) => {
      const decision = decideTier(route, score, saturated);
      expect(decision).toMatchObject({ tier, score, threshold });
      expect(decision.downgradedFrom).toBe(down);
    },
  );

  it('never downgrades when the route turns the downgrade off', () => {
    const off = { ...twoTiers, downgrade: { enabled: false, margin: 0.1 } };
    expect(isBorderline(off, 0.55)).toBe(false);
    expect(decideTier(off, 0.55, () => true).tier).toBe('large');
  });

  it('asks about load only for a borderline prompt', () => {
    const asked: string[] = [];
    decideTier(twoTiers, 0.2, (m) => (asked.push(m), true));
    decideTier(twoTiers, 0.9, (m) => (asked.push(m), true));
    expect(asked).toEqual([]);
    decideTier(twoTiers, 0.52, (m) => (asked.push(m), true));
    expect(asked).toEqual(['l']);
  });
});

describe('isSaturated', () => {
  const l = (overrides: Parameters<typeof replica>[0]) => replica({ models: ['l'], ...overrides });
  it.each([
    {
      name: 'every ready replica has a queue',
      replicas: [l({ waiting: 2 }), l({ replicaId: 'r2', waiting: 1 })],
      maxRunning: undefined,
      saturated: true,
    },
    {
      name: 'one ready replica has no queue',
      replicas: [l({ waiting: 2 }), l({ replicaId: 'r2' })],
      maxRunning: undefined,
      saturated: false,
    },
    {
      name: 'running at the configured cap',
      replicas: [l({ running: 8 })],
      maxRunning: 8,
      saturated: true,
    },
    {
      name: 'running below the cap',
      replicas: [l({ running: 7 })],
      maxRunning: 8,
      saturated: false,
    },
    {
      name: 'busy without a cap configured',
      replicas: [l({ running: 50 })],
      maxRunning: undefined,
      saturated: false,
    },
    {
      name: 'no ready replica (waking handles that)',
      replicas: [l({ state: 'sleeping', waiting: 3 })],
      maxRunning: undefined,
      saturated: false,
    },
    {
      name: 'a stale queued replica and a live idle one',
      replicas: [l({ waiting: 4, lastSeenMs: fixedNowMs - 60_000 }), l({ replicaId: 'r2' })],
      maxRunning: undefined,
      saturated: false,
    },
    {
      name: 'replicas of another model only',
      replicas: [replica({ waiting: 3 })],
      maxRunning: undefined,
      saturated: false,
    },
  ])('$name → $saturated', ({ replicas, maxRunning, saturated }) => {
    expect(isSaturated(replicas, 'l', fixedNowMs, 5_000, maxRunning)).toBe(saturated);
  });
});
