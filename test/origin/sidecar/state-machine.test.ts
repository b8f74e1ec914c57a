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
    const expected =
      detail === undefined ? { state: to, sinceMs: 2_000 } : { state: to, sinceMs: 2_000, detail };
    // A failure keeps its cause apart from the detail, which later announces restarts.
    expect(next).toEqual(to === 'failed' ? { ...expected, cause: detail } : expected);
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

describe('transition: restart, watchdog, sleep and wake', () => {
  const failed: ReplicaStatus = {
    state: 'failed',
    sinceMs: 1_000,
    detail: 'engine exited unexpectedly with code 1',
    cause: 'engine exited unexpectedly with code 1',
  };

  it.each<[string, ReplicaStatus, ReplicaEvent, Partial<ReplicaStatus>]>([
    [
      'a loading phase keeps state and clock',
      at('starting'),
      { type: 'startup-progress', atMs: 2_000, phase: 'loading weights' },
      { state: 'starting', sinceMs: 1_000, detail: 'loading weights' },
    ],
    [
      'the watchdog fails a ready replica',
      at('ready'),
      { type: 'unhealthy', atMs: 2_000, reason: 'engine stalled' },
      { state: 'failed', sinceMs: 2_000, detail: 'engine stalled', cause: 'engine stalled' },
    ],
    [
      'a scheduled restart is announced, the cause kept',
      failed,
      { type: 'restart-scheduled', atMs: 2_000, attempt: 2, maxAttempts: 5, delayMs: 1_500 },
      {
        state: 'failed',
        sinceMs: 1_000,
        detail: 'restart 2/5 in 1.5 s after: engine exited unexpectedly with code 1',
        cause: 'engine exited unexpectedly with code 1',
      },
    ],
    ['a restart starts again', failed, { type: 'restarting', atMs: 2_000 }, { state: 'starting' }],
    [
      'giving up says why',
      failed,
      { type: 'gave-up', atMs: 2_000, restarts: 5 },
      {
        state: 'failed',
        detail:
          'gave up after 5 restarts in a row; last failure: engine exited unexpectedly with code 1',
      },
    ],
    [
      'an idle ready replica sleeps',
      at('ready'),
      { type: 'sleep-started', atMs: 2_000, reason: 'idle for 600.0 s' },
      { state: 'sleeping', detail: 'idle for 600.0 s' },
    ],
    [
      'a wake request',
      at('sleeping'),
      { type: 'wake-requested', atMs: 2_000 },
      { state: 'waking' },
    ],
    ['a woken engine that generated', at('waking'), warmed, { state: 'ready' }],
    ['a wake that failed', at('waking'), startupFailed, { state: 'failed', detail: 'deadline' }],
    ['an engine dying asleep', at('sleeping'), crashed, { state: 'failed' }],
    [
      'a failed sleep',
      at('sleeping'),
      { type: 'unhealthy', atMs: 2_000, reason: 'sleep failed' },
      { state: 'failed', detail: 'sleep failed' },
    ],
  ])('%s', (_name, from, event, expected) => {
    expect(transition(from, event)).toMatchObject(expected);
  });

  it.each<[ReplicaState, ReplicaEvent]>([
    ['warming', { type: 'startup-progress', atMs: 2_000, phase: 'x' }],
    ['starting', { type: 'unhealthy', atMs: 2_000, reason: 'x' }],
    ['ready', { type: 'restarting', atMs: 2_000 }],
    ['draining', { type: 'gave-up', atMs: 2_000, restarts: 1 }],
    ['warming', { type: 'sleep-started', atMs: 2_000, reason: 'idle' }],
    ['ready', { type: 'wake-requested', atMs: 2_000 }],
    ['waking', listening],
  ])('ignores, in %s, the event %o', (from, event) => {
    const status = at(from, 'kept');
    expect(transition(status, event)).toBe(status);
  });

  it.each<[ReplicaStatus, string | undefined]>([
    [at('starting', 'capturing CUDA graphs'), 'engine loading: capturing CUDA graphs (12.5 s)'],
    [at('waking'), 'waking the engine (12.5 s)'],
    [at('waking', 'loading weights'), 'waking the engine: loading weights (12.5 s)'],
    [at('sleeping', 'idle for 600.0 s'), 'idle for 600.0 s'],
  ])('describes %o as %s', (status, expected) => {
    expect(describeStatus(status, 13_500)).toBe(expected);
  });
});
