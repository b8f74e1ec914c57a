/**
 * Passive health of one replica as seen by one isolate (RELIABILITY H1, H2, H6): a pure state
 * machine. k consecutive failures eject the replica for base × ejections (capped); when that time
 * has passed one half-open probe goes through, and its success re-admits the replica. The last
 * replica of a model that can still take traffic is never ejected: requests fail fast on it instead
 * of finding no replica at all. A 429's Retry-After keeps the replica out until then (R6).
 */

export type HealthSignal = 'success' | 'failure' | 'neutral';

export interface HealthPolicy {
  ejectAfterFailures: number;
  ejectionBaseMs: number;
  ejectionMaxMs: number;
}

export interface HealthState {
  consecutiveFailures: number;
  /** How many times the replica was ejected; the next ejection lasts base × (this + 1). */
  ejections: number;
  ejected: boolean;
  ejectedUntilMs: number;
  /** A half-open probe is in flight: nothing else goes there until it ends. */
  probing: boolean;
  /** Not before this time: the replica answered 429 with Retry-After. */
  notBeforeMs: number;
}

export const healthyState: HealthState = {
  consecutiveFailures: 0,
  ejections: 0,
  ejected: false,
  ejectedUntilMs: 0,
  probing: false,
  notBeforeMs: 0,
};

export type Admission = 'open' | 'probe' | 'closed';

export function admission(state: HealthState, nowMs: number): Admission {
  if (nowMs < state.notBeforeMs) return 'closed';
  if (!state.ejected) return 'open';
  if (nowMs < state.ejectedUntilMs || state.probing) return 'closed';
  return 'probe';
}

/** A request is sent: when the replica was half-open, that request is its probe. */
export function onDispatch(state: HealthState, nowMs: number): HealthState {
  return admission(state, nowMs) === 'probe' ? { ...state, probing: true } : state;
}

/**
 * The result of a request. `othersAdmitted` says whether another replica of the model would still
 * take traffic; without one, a failing replica stays in (fail fast) rather than leave none.
 */
export function onResult(
  state: HealthState,
  signal: HealthSignal,
  nowMs: number,
  policy: HealthPolicy,
  othersAdmitted: boolean,
): HealthState {
  switch (signal) {
    case 'neutral':
      return state.probing ? { ...state, probing: false } : state;
    case 'success':
      return { ...state, consecutiveFailures: 0, ejected: false, probing: false };
    case 'failure': {
      const consecutiveFailures = state.consecutiveFailures + 1;
      // A late failure of a request sent before the ejection does not eject again.
      const due =
        state.probing || (!state.ejected && consecutiveFailures >= policy.ejectAfterFailures);
      if (!due || !othersAdmitted) return { ...state, consecutiveFailures, probing: false };
      const ejections = state.ejections + 1;
      return {
        ...state,
        consecutiveFailures,
        ejections,
        ejected: true,
        probing: false,
        ejectedUntilMs: nowMs + Math.min(policy.ejectionBaseMs * ejections, policy.ejectionMaxMs),
      };
    }
  }
}

export function onRetryAfter(state: HealthState, untilMs: number): HealthState {
  return { ...state, notBeforeMs: Math.max(state.notBeforeMs, untilMs) };
}
