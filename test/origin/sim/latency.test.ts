import { describe, expect, it } from 'vitest';
import {
  interTokenMs,
  referenceProfiles,
  resolveLatency,
  ttftMs,
  type LatencyConfig,
} from '../../../origin/sim/latency';

const steady: LatencyConfig = {
  overheadMs: 30,
  prefillMsPerToken: 0.2,
  interTokenMs: 15,
  batchSlowdown: 0,
  speedup: 1,
};
const slowing: LatencyConfig = { ...steady, batchSlowdown: 0.1 };
const fast: LatencyConfig = { ...steady, speedup: 10 };

describe('latency model', () => {
  it.each([
    { name: 'steady', config: steady, uncached: 0, running: 1, ttft: 30, itl: 15 },
    { name: 'steady', config: steady, uncached: 1000, running: 1, ttft: 230, itl: 15 },
    { name: 'steady', config: steady, uncached: 100, running: 64, ttft: 50, itl: 15 },
    { name: 'slowing', config: slowing, uncached: 0, running: 2, ttft: 33, itl: 16.5 },
    { name: 'slowing', config: slowing, uncached: 100, running: 11, ttft: 100, itl: 30 },
    { name: 'slowing', config: slowing, uncached: 0, running: 0, ttft: 30, itl: 15 },
    { name: 'sped up 10×', config: fast, uncached: 1000, running: 1, ttft: 23, itl: 1.5 },
  ])(
    '$name: ttft $ttft ms and inter-token $itl ms with $uncached uncached tokens, $running running',
    ({ config, uncached, running, ttft, itl }) => {
      const batch = { running, waiting: 3 };
      expect(ttftMs(config, { uncachedPromptTokens: uncached, batch })).toBeCloseTo(ttft);
      expect(interTokenMs(config, batch)).toBeCloseTo(itl);
    },
  );

  it('charges prefill only for tokens the prefix cache did not hold', () => {
    const batch = { running: 1, waiting: 0 };
    const cold = ttftMs(steady, { uncachedPromptTokens: 2000, batch });
    const warm = ttftMs(steady, { uncachedPromptTokens: 16, batch });
    expect(cold - warm).toBeCloseTo(1984 * 0.2);
  });

  it.each([
    ['h100-8b', 1000, 230, 12],
    ['h100-70b', 1000, 660, 30],
  ] as const)(
    'puts the %s reference profile at %i prompt tokens → %i ms TTFT, %i ms per token',
    (profile, tokens, ttft, itl) => {
      const config = resolveLatency(profile, {}, 1);
      const batch = { running: 1, waiting: 0 };
      expect(ttftMs(config, { uncachedPromptTokens: tokens, batch })).toBeCloseTo(ttft);
      expect(interTokenMs(config, batch)).toBeCloseTo(itl);
    },
  );

  it('keeps the 8B profile inside the public figures the issue quotes', () => {
    const p = referenceProfiles['h100-8b'];
    expect(p.overheadMs).toBeGreaterThanOrEqual(25);
    expect(p.overheadMs).toBeLessThanOrEqual(40);
    expect(p.prefillMsPerToken).toBeGreaterThanOrEqual(0.15);
    expect(p.prefillMsPerToken).toBeLessThanOrEqual(0.3);
    expect(p.interTokenMs).toBeGreaterThanOrEqual(10);
    expect(p.interTokenMs).toBeLessThanOrEqual(15);
  });

  it('lets explicit values override the profile and ignores the ones left undefined', () => {
    expect(
      resolveLatency('h100-8b', { interTokenMs: 1, overheadMs: undefined, batchSlowdown: 0 }, 4),
    ).toEqual({ ...referenceProfiles['h100-8b'], interTokenMs: 1, batchSlowdown: 0, speedup: 4 });
  });
});
