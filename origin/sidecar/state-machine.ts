import type { ReplicaState } from '../../contracts/heartbeat';

/** Where the replica is in its lifecycle, and since when (epoch ms). */
export interface ReplicaStatus {
  readonly state: ReplicaState;
  readonly sinceMs: number;
  /** Why the replica is in this state (failure cause, drain reason). */
  readonly detail?: string;
}

/** Everything that can move the replica between states; `atMs` is when it happened. */
export type ReplicaEvent =
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
  | { type: 'drain-requested'; atMs: number; reason: string }
  | { type: 'engine-stopped'; atMs: number };

export function initialStatus(nowMs: number): ReplicaStatus {
  return { state: 'starting', sinceMs: nowMs };
}

/**
 * The lifecycle of DESIGN.md §3 as a pure function. An event that does not apply to the current
 * state returns the same object, so callers can tell a no-op by identity. `sleeping`/`waking` are
 * not entered yet (idle sleep is a later feature) but are handled so the switch stays total.
 */
export function transition(status: ReplicaStatus, event: ReplicaEvent): ReplicaStatus {
  const { state } = status;
  const to = (next: ReplicaState, detail?: string): ReplicaStatus =>
    detail === undefined
      ? { state: next, sinceMs: event.atMs }
      : { state: next, sinceMs: event.atMs, detail };

  switch (event.type) {
    case 'engine-listening':
      return state === 'starting' ? to('warming') : status;
    case 'warmup-succeeded':
      return state === 'warming' ? to('ready') : status;
    case 'startup-failed':
      return state === 'starting' || state === 'warming' ? to('failed', event.reason) : status;
    case 'engine-exited':
      return isServingOrStarting(state) ? to('failed', describeExit(event)) : status;
    case 'drain-requested':
      return state === 'draining' || state === 'stopped' ? status : to('draining', event.reason);
    case 'engine-stopped':
      return state === 'draining' ? to('stopped') : status;
  }
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
      return `engine loading, waiting for /health (${elapsedSeconds} s)`;
    case 'warming':
      return `warm-up generation running (${elapsedSeconds} s)`;
    case 'ready':
    case 'draining':
    case 'stopped':
    case 'sleeping':
    case 'waking':
    case 'failed':
      return status.detail;
  }
}
