import { describe, expect, it } from 'vitest';
import {
  admission,
  healthyState,
  onDispatch,
  onResult,
  onRetryAfter,
  type HealthSignal,
  type HealthState,
} from '../../worker/core/health-state';
import { createReplicaHealth } from '../../worker/core/replica-health';

const policy = { ejectAfterFailures: 3, ejectionBaseMs: 1000, ejectionMaxMs: 2500 };

/** Applies signals in order at `nowMs`, with another replica admitted unless said otherwise. */
function apply(signals: HealthSignal[], nowMs = 0, othersAdmitted = true, from = healthyState) {
  return signals.reduce<HealthState>(
    (state, signal) => onResult(onDispatch(state, nowMs), signal, nowMs, policy, othersAdmitted),
    from,
  );
}

describe('health state machine', () => {
  it.each<[string, HealthSignal[], boolean]>([
    ['k failures in a row', ['failure', 'failure', 'failure'], true],
    ['k-1 failures', ['failure', 'failure'], false],
    ['failures broken by a success', ['failure', 'failure', 'success', 'failure'], false],
    ['failures with neutral outcomes between', ['failure', 'neutral', 'failure', 'failure'], true],
    [
      'any number of neutral outcomes (429, cancel, first-byte timeout)',
      Array(10).fill('neutral'),
      false,
    ],
    ['any number of successes (a 4xx counts as one)', Array(10).fill('success'), false],
  ])('%s → ejected=%s', (_name, signals, ejected) => {
    expect(apply(signals).ejected).toBe(ejected);
    expect(admission(apply(signals), 0)).toBe(ejected ? 'closed' : 'open');
  });

  it('never ejects the last replica that can take traffic', () => {
    const state = apply(Array<HealthSignal>(10).fill('failure'), 0, false);
    expect(state.ejected).toBe(false);
    expect(state.consecutiveFailures).toBe(10);
    expect(admission(state, 0)).toBe('open');
  });

  it.each([
    // ejection n lasts base × n, capped at max
    [1, 1000],
    [2, 2000],
    [3, 2500],
    [4, 2500],
  ])('ejection number %i lasts %ims', (n, durationMs) => {
    let nowMs = 0;
    let state = apply(['failure', 'failure', 'failure'], nowMs);
    // Each later ejection comes from a failed half-open probe.
    while (state.ejections < n) {
      nowMs = state.ejectedUntilMs;
      state = onResult(onDispatch(state, nowMs), 'failure', nowMs, policy, true);
    }
    expect(state.ejections).toBe(n);
    expect(state.ejectedUntilMs - nowMs).toBe(durationMs);
  });

  it('lets exactly one half-open probe through once the ejection time has passed', () => {
    const ejected = apply(['failure', 'failure', 'failure'], 0);
    expect(admission(ejected, 999)).toBe('closed');
    expect(admission(ejected, 1000)).toBe('probe');
    const probing = onDispatch(ejected, 1000);
    expect(probing.probing).toBe(true);
    expect(admission(probing, 1000)).toBe('closed');
    expect(admission(probing, 50_000)).toBe('closed');
  });

  it('re-admits the replica when the probe succeeds', () => {
    const probing = onDispatch(apply(['failure', 'failure', 'failure'], 0), 1000);
    const after = onResult(probing, 'success', 1000, policy, true);
    expect(after).toMatchObject({ ejected: false, probing: false, consecutiveFailures: 0 });
    expect(admission(after, 1000)).toBe('open');
  });

  it('ejects again for longer when the probe fails', () => {
    const probing = onDispatch(apply(['failure', 'failure', 'failure'], 0), 1000);
    const after = onResult(probing, 'failure', 1000, policy, true);
    expect(after).toMatchObject({ ejected: true, ejections: 2, ejectedUntilMs: 3000 });
  });

  it('opens the probe slot again when the probe says nothing (neutral)', () => {
    const probing = onDispatch(apply(['failure', 'failure', 'failure'], 0), 1000);
    const after = onResult(probing, 'neutral', 1000, policy, true);
    expect(admission(after, 1000)).toBe('probe');
  });

  it('does not extend an ejection for a late failure of a request sent before it', () => {
    const ejected = apply(['failure', 'failure', 'failure'], 0);
    const late = onResult(ejected, 'failure', 500, policy, true);
    expect(late).toMatchObject({ ejections: 1, ejectedUntilMs: 1000 });
  });

  it('keeps a replica closed until its Retry-After, ejected or not', () => {
    const state = onRetryAfter(onRetryAfter(healthyState, 2000), 1500);
    expect(admission(state, 1999)).toBe('closed');
    expect(admission(state, 2000)).toBe('open');
  });
});

describe('createReplicaHealth', () => {
  it('ejects a failing replica only while a peer is still admitted', () => {
    const health = createReplicaHealth(policy);
    const peers = ['a', 'b'];
    for (let i = 0; i < 3; i += 1) health.report('a', 'failure', 0, peers);
    expect(health.admits('a', 0)).toBe(false);
    for (let i = 0; i < 3; i += 1) health.report('b', 'failure', 0, peers);
    expect(health.admits('b', 0)).toBe(true);
  });

  it('admits a replica it has never heard of', () => {
    expect(createReplicaHealth(policy).admits('new', 0)).toBe(true);
  });
});
