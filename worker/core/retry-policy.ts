import type { HealthSignal } from './health-state';

/**
 * Which failed attempts may go to another replica (RELIABILITY R2) and what each says about the
 * replica's health (H1). Everything here happens before the first byte reached the client; after
 * it nothing is retried (R3).
 */

export type AttemptOutcome =
  | 'ok'
  | 'unreachable'
  | 'headers_timeout'
  | 'response_timeout'
  | 'invalid_response'
  | 'first_byte_timeout'
  | 'reset_before_first_byte'
  | 'inband_error'
  | 'upstream_status'
  | 'not_a_stream'
  | 'client_cancelled';

export interface AttemptJudgement {
  retryable: boolean;
  health: HealthSignal;
}

/** 502/503/504 are gateway errors; 429 goes elsewhere only when another replica exists (R2). */
const retryableStatuses: ReadonlySet<number> = new Set([429, 502, 503, 504]);

const judgements: Record<Exclude<AttemptOutcome, 'upstream_status'>, AttemptJudgement> = {
  ok: { retryable: false, health: 'success' },
  unreachable: { retryable: true, health: 'failure' },
  headers_timeout: { retryable: true, health: 'failure' },
  // A whole non-streamed answer took longer than any allowed generation: the GPU time is spent,
  // and sending it again would spend it twice.
  response_timeout: { retryable: false, health: 'failure' },
  // A complete answer that is not JSON: the engine is broken, but the request was served once.
  invalid_response: { retryable: false, health: 'failure' },
  // Slow is not dead (H4): a long prefill must not eject a busy replica.
  first_byte_timeout: { retryable: true, health: 'neutral' },
  reset_before_first_byte: { retryable: true, health: 'failure' },
  inband_error: { retryable: true, health: 'failure' },
  not_a_stream: { retryable: false, health: 'neutral' },
  client_cancelled: { retryable: false, health: 'neutral' },
};

export function judgeAttempt(outcome: AttemptOutcome, httpStatus: number): AttemptJudgement {
  if (outcome !== 'upstream_status') return judgements[outcome];
  return {
    retryable: retryableStatuses.has(httpStatus),
    // A 4xx is about the request, and a 429 about load: neither says the replica is broken.
    health: httpStatus >= 500 ? 'failure' : httpStatus === 429 ? 'neutral' : 'success',
  };
}

/** Whether another attempt may start; a candidate replica and a budget slot are checked after. */
export function mayRetry(input: {
  retryable: boolean;
  attemptsSoFar: number;
  maxAttempts: number;
  clientGone: boolean;
  /** The request's deadline (R6) has passed: no attempt starts after it. */
  deadlinePassed: boolean;
}): boolean {
  return (
    input.retryable &&
    !input.clientGone &&
    !input.deadlinePassed &&
    input.attemptsSoFar < input.maxAttempts
  );
}

/**
 * How long an attempt may wait for something before the first byte: its own timer, clipped to
 * what is left of the request's deadline, so the whole attempt sequence fits inside it (R6).
 */
export function clippedWaitMs(timerMs: number, deadlineAtMs: number, nowMs: number): number {
  return Math.max(0, Math.min(timerMs, deadlineAtMs - nowMs));
}

/** Concurrent retries allowed in an isolate: 20% of its requests in flight, at least 3 (R5). */
export function retryLimit(requestsInFlight: number): number {
  return Math.max(3, Math.floor(requestsInFlight * 0.2));
}
