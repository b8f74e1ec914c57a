import type { ReplicaStatus } from './state-machine';
import type { Clock, Sleep } from './ports';

export interface IdleInput {
  status: ReplicaStatus;
  inFlight: number;
  queued: number;
  lastActivityMs: number;
  nowMs: number;
  idleMs: number;
}

/**
 * Whether a replica has been idle long enough to put its engine to sleep: ready, nothing in
 * flight or queued, and no request for `idleMs` — counted from when it became ready too, so a
 * replica that just woke up (because work is coming) is not put back to sleep at once. Pure.
 */
export function shouldSleep(input: IdleInput): boolean {
  if (input.idleMs <= 0 || input.status.state !== 'ready') return false;
  if (input.inFlight > 0 || input.queued > 0) return false;
  const idleSinceMs = Math.max(input.lastActivityMs, input.status.sinceMs);
  return input.nowMs - idleSinceMs >= input.idleMs;
}

export interface IdleSleeperOptions {
  clock: Clock;
  sleep: Sleep;
  idleMs: number;
  checkIntervalMs: number;
  getStatus: () => ReplicaStatus;
  inFlight: () => number;
  queued: () => number;
  lastActivityMs: () => number;
  sleepEngine: (reason: string) => Promise<void>;
}

/** Checks idleness every interval and puts the engine to sleep; does nothing when `idleMs` is 0. */
export function startIdleSleeper(options: IdleSleeperOptions): { stop(): Promise<void> } {
  const stopped = new AbortController();
  const loop = (async () => {
    if (options.idleMs <= 0) return;
    while (!stopped.signal.aborted) {
      await options.sleep(options.checkIntervalMs, stopped.signal).catch(() => undefined);
      const input: IdleInput = {
        status: options.getStatus(),
        inFlight: options.inFlight(),
        queued: options.queued(),
        lastActivityMs: options.lastActivityMs(),
        nowMs: options.clock.nowMs(),
        idleMs: options.idleMs,
      };
      if (!stopped.signal.aborted && shouldSleep(input)) {
        const seconds = (
          (input.nowMs - Math.max(input.lastActivityMs, input.status.sinceMs)) /
          1000
        ).toFixed(1);
        await options.sleepEngine(`idle for ${seconds} s`);
      }
    }
  })();
  return {
    async stop() {
      stopped.abort();
      await loop;
    },
  };
}
