import type { Rng } from './ports';

/** How a failed replica comes back: exponential backoff, a cap, and when the count resets. */
export interface RestartPolicy {
  /** Delay before the first restart; each further one in a row doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Restarts in a row after which the replica stays `failed` and says why. */
  maxRestarts: number;
  /** A replica ready this long has recovered: its next failure counts from 1 again. */
  stableAfterMs: number;
}

export type RestartDecision =
  { kind: 'restart'; attempt: number; delayMs: number } | { kind: 'give-up'; restarts: number };

/**
 * Failures in a row, counting this one. A replica that stayed ready for `stableAfterMs` starts
 * over; one that crashes soon after every start keeps counting, which is what makes a crash loop
 * end (Kubernetes resets CrashLoopBackOff the same way, after a stretch of running fine).
 */
export function failuresInARow(
  previous: number,
  readyForMs: number | undefined,
  policy: RestartPolicy,
): number {
  return readyForMs !== undefined && readyForMs >= policy.stableAfterMs ? 1 : previous + 1;
}

/**
 * The next step after failure number `failures` in a row. The delay is exponential with "equal
 * jitter" (half fixed, half random), so replicas that failed together (a bad driver update, a
 * shared disk) do not all restart in the same second, yet none restarts sooner than half its
 * backoff. Pure: the randomness comes from `rng`.
 */
export function decideRestart(policy: RestartPolicy, failures: number, rng: Rng): RestartDecision {
  if (failures > policy.maxRestarts) return { kind: 'give-up', restarts: policy.maxRestarts };
  const backoffMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failures - 1));
  return {
    kind: 'restart',
    attempt: failures,
    delayMs: Math.round(backoffMs / 2 + (rng.next() * backoffMs) / 2),
  };
}
