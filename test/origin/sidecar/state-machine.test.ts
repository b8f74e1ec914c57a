import { describe, expect, it } from 'vitest';
import type { ReplicaState } from '../../../contracts/heartbeat';
import {
  describeStatus,
  transition,
  type ReplicaEvent,
  type ReplicaStatus,
} from '../../../origin/sidecar/state-machine';

const at = (state: ReplicaState, detail?: string): ReplicaStatus =>
  detail === undefined ? { state, sinceMs: 1_000 } : { state, sinceMs: 1_000, detail };

const listening: ReplicaEvent = { type: 'engine-listening', atMs: 2_000 };
const warmed: ReplicaEvent = { type: 'warmup-succeeded', atMs: 2_000 };
const startupFailed: ReplicaEvent = { type: 'startup-failed', atMs: 2_000, reason: 'deadline' };
const crashed: ReplicaEvent = { type: 'engine-exited', atMs: 2_000, code: 1, signal: null };
const drain: ReplicaEvent = { type: 'drain-requested', atMs: 2_000, reason: 'SIGTERM' };
const stopped: ReplicaEvent = { type: 'engine-stopped', atMs: 2_000 };

describe('transition', () => {
  it.each<[ReplicaState, ReplicaEvent, ReplicaState, string | undefined]>([
    ['starting', listening, 'warming', undefined],
    ['warming', warmed, 'ready', undefined],
    ['starting', startupFailed, 'failed', 'deadline'],
    ['warming', startupFailed, 'failed', 'deadline'],
    ['starting', crashed, 'failed', 'engine exited unexpectedly with code 1'],
    ['warming', crashed, 'failed', 'engine exited unexpectedly with code 1'],
    ['ready', crashed, 'failed', 'engine exited unexpectedly with code 1'],
    ['starting', drain, 'draining', 'SIGTERM'],
    ['warming', drain, 'draining', 'SIGTERM'],
    ['ready', drain, 'draining', 'SIGTERM'],
    ['failed', drain, 'draining', 'SIGTERM'],
    ['draining', stopped, 'stopped', undefined],
  ])('moves %s on %o to %s', (from, event, to, detail) => {
    const next = transition(at(from), event);
    expect(next).toEqual(
      detail === undefined ? { state: to, sinceMs: 2_000 } : { state: to, sinceMs: 2_000, detail },
    );
  });

  it.each<[ReplicaState, ReplicaEvent]>([
    ['starting', warmed],
    ['warming', listening],
    ['ready', listening],
    ['ready', startupFailed],
    ['ready', stopped],
    ['draining', crashed],
    ['draining', drain],
    ['draining', startupFailed],
    ['stopped', drain],
    ['stopped', crashed],
    ['failed', crashed],
    ['failed', warmed],
  ])('ignores, in %s, the event %o (same object back)', (from, event) => {
    const status = at(from, 'kept');
    expect(transition(status, event)).toBe(status);
  });

  it('says when the engine was killed by a signal or could not be spawned', () => {
    const bySignal = transition(at('ready'), { ...crashed, code: null, signal: 'SIGKILL' });
    expect(bySignal.detail).toBe('engine killed unexpectedly by SIGKILL');
    const notSpawned = transition(at('starting'), {
      ...crashed,
      code: null,
      spawnError: 'spawn vllm ENOENT',
    });
    expect(notSpawned.detail).toBe('engine could not be started: spawn vllm ENOENT');
  });
});

describe('describeStatus', () => {
  it.each<[ReplicaStatus, string | undefined]>([
    [at('starting'), 'engine loading, waiting for /health (12.5 s)'],
    [at('warming'), 'warm-up generation running (12.5 s)'],
    [at('ready'), undefined],
    [at('failed', 'engine exited'), 'engine exited'],
    [at('draining', 'SIGTERM'), 'SIGTERM'],
  ])('reports progress for %o as %s', (status, expected) => {
    expect(describeStatus(status, 13_500)).toBe(expected);
  });
});
