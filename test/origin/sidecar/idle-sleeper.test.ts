import { describe, expect, it } from 'vitest';
import type { ReplicaState } from '../../../contracts/heartbeat';
import { shouldSleep, type IdleInput } from '../../../origin/sidecar/idle-sleeper';

const base: IdleInput = {
  status: { state: 'ready', sinceMs: 0 },
  inFlight: 0,
  queued: 0,
  lastActivityMs: 10_000,
  nowMs: 70_000,
  idleMs: 60_000,
};

describe('shouldSleep', () => {
  it.each<[string, Partial<IdleInput>, boolean]>([
    ['idle for exactly the TTL', {}, true],
    ['idle a little less than the TTL', { nowMs: 69_999 }, false],
    ['a request in flight', { inFlight: 1 }, false],
    ['a request queued', { queued: 1 }, false],
    ['idle sleep turned off', { idleMs: 0 }, false],
    [
      'just woken: ready for less than the TTL',
      { status: { state: 'ready', sinceMs: 30_000 } },
      false,
    ],
  ])('with %s: %s', (_name, overrides, expected) => {
    expect(shouldSleep({ ...base, ...overrides })).toBe(expected);
  });

  it.each<ReplicaState>(['starting', 'warming', 'sleeping', 'waking', 'draining', 'failed'])(
    'never in %s',
    (state) => {
      expect(shouldSleep({ ...base, status: { state, sinceMs: 0 } })).toBe(false);
    },
  );
});
