import type { ReplicaState } from '../../contracts/heartbeat';

/** Where the replica is in its lifecycle, and since when (epoch ms). */
export interface ReplicaStatus {
  readonly state: ReplicaState;
  readonly sinceMs: number;
  /** Why the replica is in this state (failure cause, drain reason, start-up phase). */
  readonly detail?: string;
  /** In `failed`: the failure itself, kept while the detail announces restarts. */
  readonly cause?: string;
}

/** Everything that can move the replica between states; `atMs` is when it happened. */
export type ReplicaEvent =
  | { type: 'startup-progress'; atMs: number; phase: string }
  | { type: 'engine-listening'; atMs: number }
  | { type: 'warmup-succeeded'; atMs: number }
  | { type: 'startup-failed'; atMs: number; reason: string }
  | {
      type: 'engine-exited';
      atMs: number;
      code: number | null;
      signal: string | null;
      spawnError?: string;
    }
  | { type: 'unhealthy'; atMs: number; reason: string }
  | {
      type: 'restart-scheduled';
      atMs: number;
      attempt: number;
      maxAttempts: number;
      delayMs: number;
    }
  | { type: 'restarting'; atMs: number }
  | { type: 'gave-up'; atMs: number; restarts: number }
  | { type: 'sleep-started'; atMs: number; reason: string }
  | { type: 'wake-requested'; atMs: number }
  | { type: 'drain-requested'; atMs: number; reason: string }
  | { type: 'engine-stopped'; atMs: number };

export function initialStatus(nowMs: number): ReplicaStatus {
  return { state: 'starting', sinceMs: nowMs };
}

/**
 * The lifecycle of DESIGN.md §3 as a pure function:
 *
 *   starting → warming → ready → draining → stopped
 *   ready → sleeping → waking → ready          (idle TTL, POST /wake)
 *   starting | warming | ready | sleeping | waking → failed → starting   (restart with backoff)
 *
 * An event that does not apply to the current state returns the same object, so callers can
 * tell a no-op by identity.
 */
export function transition(status: ReplicaStatus, event: ReplicaEvent): ReplicaStatus {
  const { state } = status;
  const to = (next: ReplicaState, detail?: string): ReplicaStatus =>
    detail === undefined
      ? { state: next, sinceMs: event.atMs }
      : { state: next, sinceMs: event.atMs, detail };
  const fail = (cause: string): ReplicaStatus => ({
    state: 'failed',
    sinceMs: event.atMs,
    detail: cause,
    cause,
  });
  const cause = status.cause ?? 'unknown';

  switch (event.type) {
    case 'startup-progress':
      // Same state and clock: only what the engine is doing changes.
      return state === 'starting' || state === 'waking'
        ? { state, sinceMs: status.sinceMs, detail: event.phase }
        : status;
    case 'engine-listening':
      return state === 'starting' ? to('warming') : status;
    case 'warmup-succeeded':
      return state === 'warming' || state === 'waking' ? to('ready') : status;
    case 'startup-failed':
      return isBringingUp(state) ? fail(event.reason) : status;
    case 'engine-exited':
      return isServingOrStarting(state) ? fail(describeExit(event)) : status;
    case 'unhealthy':
      return state === 'ready' || state === 'sleeping' ? fail(event.reason) : status;
    case 'restart-scheduled': {
      if (state !== 'failed') return status;
      const seconds = (event.delayMs / 1000).toFixed(1);
      const detail = `restart ${event.attempt}/${event.maxAttempts} in ${seconds} s after: ${cause}`;
      return { ...status, detail };
    }
    case 'restarting':
      return state === 'failed' ? to('starting') : status;
    case 'gave-up':
      if (state !== 'failed') return status;
      return {
        ...status,
        detail: `gave up after ${event.restarts} restarts in a row; last failure: ${cause}`,
      };
    case 'sleep-started':
      return state === 'ready' ? to('sleeping', event.reason) : status;
    case 'wake-requested':
      return state === 'sleeping' ? to('waking') : status;
    case 'drain-requested':
      return state === 'draining' || state === 'stopped' ? status : to('draining', event.reason);
    case 'engine-stopped':
      return state === 'draining' ? to('stopped') : status;
  }
}

function isBringingUp(state: ReplicaState): boolean {
  return state === 'starting' || state === 'warming' || state === 'waking';
}

/** States in which an engine exit was not asked for and therefore means failure. */
function isServingOrStarting(state: ReplicaState): boolean {
  switch (state) {
    case 'starting':
    case 'warming':
    case 'ready':
    case 'sleeping':
    case 'waking':
      return true;
    case 'draining':
    case 'stopped':
    case 'failed':
      return false;
  }
}

export function describeExit(exit: {
  code: number | null;
  signal: string | null;
  spawnError?: string;
}): string {
  if (exit.spawnError !== undefined) return `engine could not be started: ${exit.spawnError}`;
  return exit.signal === null
    ? `engine exited unexpectedly with code ${exit.code ?? 'unknown'}`
    : `engine killed unexpectedly by ${exit.signal}`;
}

/** What the replica is doing, for heartbeats and `/state`: the detail plus start-up progress. */
export function describeStatus(status: ReplicaStatus, nowMs: number): string | undefined {
  const elapsedSeconds = ((nowMs - status.sinceMs) / 1000).toFixed(1);
  switch (status.state) {
    case 'starting':
      return status.detail === undefined
        ? `engine loading, waiting for /health (${elapsedSeconds} s)`
        : `engine loading: ${status.detail} (${elapsedSeconds} s)`;
    case 'warming':
      return `warm-up generation running (${elapsedSeconds} s)`;
    case 'waking':
      return status.detail === undefined
        ? `waking the engine (${elapsedSeconds} s)`
        : `waking the engine: ${status.detail} (${elapsedSeconds} s)`;
    case 'ready':
    case 'draining':
    case 'stopped':
    case 'sleeping':
    case 'failed':
      return status.detail;
  }
}
