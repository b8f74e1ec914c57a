import type { InFlight } from './in-flight';
import type { Clock, Sleep } from './ports';

export interface AdmissionLimits {
  /** Requests proxied to the engine at once. */
  maxConcurrent: number;
  /** Requests that may wait for one of those places; beyond it: 429 at once. */
  maxQueued: number;
  /** How long a request may wait before it gets 429 instead. */
  queueTimeoutMs: number;
}

export type AdmissionResult =
  | { admitted: true; release: () => void }
  | { admitted: false; reason: 'queue_full' | 'queue_timeout' | 'cancelled' };

/**
 * Bounded concurrency with a short FIFO queue in front of the engine (RELIABILITY H7). vLLM
 * itself queues without bound, so a burst on a fresh replica would pile up thousands of requests
 * whose time to first token grows without limit; here the excess is turned away quickly with 429
 * and `Retry-After`, and the edge sends it to another replica while it still can.
 */
export interface Admission {
  enter(signal: AbortSignal): Promise<AdmissionResult>;
  queued(): number;
  /** When a request last entered or finished: the idle-sleep timer counts from here. */
  lastActivityMs(): number;
}

export interface AdmissionOptions {
  limits: AdmissionLimits;
  /** Counts admitted requests; the drain waits on it. */
  inFlight: InFlight;
  clock: Clock;
  sleep: Sleep;
}

interface Waiter {
  admit(): void;
}

export function createAdmission(options: AdmissionOptions): Admission {
  const { limits, inFlight, clock } = options;
  const waiting: Waiter[] = [];
  let lastActivityMs = clock.nowMs();

  const touch = (): void => {
    lastActivityMs = clock.nowMs();
  };

  const admitted = (): AdmissionResult => {
    touch();
    const releaseInFlight = inFlight.acquire();
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        releaseInFlight();
        touch();
        while (waiting.length > 0 && inFlight.count() < limits.maxConcurrent)
          waiting.shift()?.admit();
      },
    };
  };

  return {
    queued: () => waiting.length,
    lastActivityMs: () => lastActivityMs,
    enter(signal) {
      if (signal.aborted) return Promise.resolve({ admitted: false, reason: 'cancelled' });
      if (waiting.length === 0 && inFlight.count() < limits.maxConcurrent) {
        return Promise.resolve(admitted());
      }
      if (waiting.length >= limits.maxQueued) {
        return Promise.resolve({ admitted: false, reason: 'queue_full' });
      }
      return new Promise<AdmissionResult>((resolve) => {
        const timer = new AbortController();
        const leave = (result: AdmissionResult): void => {
          const at = waiting.indexOf(waiter);
          if (at !== -1) waiting.splice(at, 1);
          timer.abort();
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        };
        const onAbort = (): void => leave({ admitted: false, reason: 'cancelled' });
        const waiter: Waiter = { admit: () => leave(admitted()) };
        waiting.push(waiter);
        signal.addEventListener('abort', onAbort, { once: true });
        options.sleep(limits.queueTimeoutMs, timer.signal).then(
          () => leave({ admitted: false, reason: 'queue_timeout' }),
          // Cancelled because the request left the queue some other way.
          () => undefined,
        );
      });
    },
  };
}
