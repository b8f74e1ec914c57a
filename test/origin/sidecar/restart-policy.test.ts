import { describe, expect, it } from 'vitest';
import {
  decideRestart,
  failuresInARow,
  type RestartPolicy,
} from '../../../origin/sidecar/restart-policy';

const policy: RestartPolicy = {
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRestarts: 5,
  stableAfterMs: 60_000,
};
const fixed = (value: number) => ({ next: () => value });

describe('decideRestart', () => {
  it.each([
    [1, 0, 500],
    [1, 0.999, 1_000],
    [2, 0.5, 1_500],
    [3, 0.5, 3_000],
    [5, 0, 8_000],
  ])(
    'delays restart %i (rng %f) by %i ms: exponential with equal jitter',
    (failures, r, delayMs) => {
      expect(decideRestart(policy, failures, fixed(r))).toEqual({
        kind: 'restart',
        attempt: failures,
        delayMs,
      });
    },
  );

  it('caps the backoff at the maximum', () => {
    const capped = { ...policy, maxRestarts: 20 };
    expect(decideRestart(capped, 12, fixed(1 - 1e-9))).toMatchObject({ delayMs: 30_000 });
    expect(decideRestart(capped, 12, fixed(0))).toMatchObject({ delayMs: 15_000 });
  });

  it.each([
    [6, 5],
    [7, 5],
  ])('gives up at failure %i after %i restarts', (failures, restarts) => {
    expect(decideRestart(policy, failures, fixed(0.5))).toEqual({ kind: 'give-up', restarts });
  });

  it('gives up on the first failure when no restart is allowed', () => {
    expect(decideRestart({ ...policy, maxRestarts: 0 }, 1, fixed(0.5))).toEqual({
      kind: 'give-up',
      restarts: 0,
    });
  });
});

describe('failuresInARow', () => {
  it.each<[number, number | undefined, number]>([
    [0, undefined, 1],
    [3, undefined, 4],
    [3, 59_999, 4],
    [3, 60_000, 1],
  ])('after %i failures, ready for %s ms, counts %i', (previous, readyForMs, expected) => {
    expect(failuresInARow(previous, readyForMs, policy)).toBe(expected);
  });
});
