import type { Logger } from './logger';
import type { Clock } from './ports';
import { transition, type ReplicaEvent, type ReplicaStatus } from './state-machine';

/** The replica's current status, changed only through `transition()`. */
export interface StatusStore {
  current(): ReplicaStatus;
  /** Applies an event; true when the status changed. */
  dispatch(event: ReplicaEvent): boolean;
  /** Resolves with the first status (the current one included) that satisfies `predicate`. */
  until(predicate: (status: ReplicaStatus) => boolean): Promise<ReplicaStatus>;
}

export interface StatusStoreOptions {
  initial: ReplicaStatus;
  clock: Clock;
  logger: Logger;
  /** Called after every change of state (not of detail alone): heartbeats announce it at once. */
  onChange: (status: ReplicaStatus) => void;
}

interface Waiter {
  predicate: (status: ReplicaStatus) => boolean;
  resolve: (status: ReplicaStatus) => void;
}

export function createStatusStore(options: StatusStoreOptions): StatusStore {
  const startedAtMs = options.clock.nowMs();
  let status = options.initial;
  let waiters: Waiter[] = [];

  return {
    current: () => status,
    dispatch(event) {
      const next = transition(status, event);
      if (next === status) return false;
      const previous = status;
      status = next;
      if (next.state !== previous.state) {
        options.logger.info(`replica ${next.state}`, {
          from: previous.state,
          state: next.state,
          detail: next.detail,
          elapsedMs: event.atMs - startedAtMs,
        });
        options.onChange(next);
      }
      const ready = waiters.filter((waiter) => waiter.predicate(next));
      waiters = waiters.filter((waiter) => !ready.includes(waiter));
      for (const waiter of ready) waiter.resolve(next);
      return true;
    },
    until(predicate) {
      if (predicate(status)) return Promise.resolve(status);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
  };
}
