import {
  adjust,
  fullBucket,
  msUntilFull,
  refill,
  take,
  type BucketLimit,
  type BucketState,
} from './token-bucket';

/**
 * Per-key admission as pure functions over plain state (RELIABILITY L1–L3, decisions 5–6).
 * The `RATE_LIMITER` Durable Object for the key runs these one request at a time, which makes the
 * counters exact and global; this file has no I/O and no clock of its own.
 */

export interface KeyPolicy {
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  monthlyBudgetUsd: number | null;
  maxConcurrency: number | null;
}

export interface Lease {
  reservedTokens: number;
  expiresAtMs: number;
}

export interface LimiterState {
  revoked: boolean;
  requests: BucketState | null;
  tokens: BucketState | null;
  /** UTC month the spend belongs to, `YYYY-MM`. */
  month: string;
  spentUsd: number;
  leases: Record<string, Lease>;
  /**
   * Leases that stopped holding a concurrency slot before they were settled (a very long stream,
   * or an isolate that died). Kept a day, so a late settle still charges its cost and tokens.
   * Optional: state stored before this field existed has none.
   */
  lapsed?: Record<string, Lease>;
}

export type Rejection = 'revoked' | 'requests' | 'tokens' | 'budget' | 'concurrency' | 'too_large';

export interface RateHeaders {
  limitRequests?: number;
  remainingRequests?: number;
  resetRequestsMs?: number;
  limitTokens?: number;
  remainingTokens?: number;
  resetTokensMs?: number;
}

export type Admission =
  | { ok: true; headers: RateHeaders }
  | { ok: false; reason: Rejection; retryAfterMs: number; headers: RateHeaders };

const minuteMs = 60_000;
/** A lease whose settle never came (an isolate died) stops holding a concurrency slot after this. */
export const leaseTtlMs = 60 * minuteMs;
/** How long a lapsed lease can still be settled. */
export const lapsedTtlMs = 24 * 60 * minuteMs;

export function emptyState(nowMs: number): LimiterState {
  return {
    revoked: false,
    requests: null,
    tokens: null,
    month: utcMonth(nowMs),
    spentUsd: 0,
    leases: {},
  };
}

export function utcMonth(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 7);
}

function msUntilNextMonth(nowMs: number): number {
  const now = new Date(nowMs);
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) - nowMs;
}

const perMinute = (capacity: number): BucketLimit => ({ capacity, periodMs: minuteMs });

function headersOf(state: LimiterState, policy: KeyPolicy): RateHeaders {
  const headers: RateHeaders = {};
  if (policy.requestsPerMinute !== null && state.requests) {
    headers.limitRequests = policy.requestsPerMinute;
    headers.remainingRequests = Math.max(0, Math.floor(state.requests.level));
    headers.resetRequestsMs = msUntilFull(state.requests, perMinute(policy.requestsPerMinute));
  }
  if (policy.tokensPerMinute !== null && state.tokens) {
    headers.limitTokens = policy.tokensPerMinute;
    headers.remainingTokens = Math.max(0, Math.floor(state.tokens.level));
    headers.resetTokensMs = msUntilFull(state.tokens, perMinute(policy.tokensPerMinute));
  }
  return headers;
}

/** Rolls the month over and drops expired leases; every operation starts with it. */
function current(state: LimiterState, nowMs: number): LimiterState {
  const month = utcMonth(nowMs);
  const leases: Record<string, Lease> = {};
  const lapsed: Record<string, Lease> = {};
  for (const [id, lease] of Object.entries(state.lapsed ?? {})) {
    if (lease.expiresAtMs + lapsedTtlMs > nowMs) lapsed[id] = lease;
  }
  for (const [id, lease] of Object.entries(state.leases)) {
    if (lease.expiresAtMs > nowMs) leases[id] = lease;
    else if (lease.expiresAtMs + lapsedTtlMs > nowMs) lapsed[id] = lease;
  }
  const rolled = { ...state, leases, lapsed };
  return month === state.month ? rolled : { ...rolled, month, spentUsd: 0 };
}

export function admit(
  previous: LimiterState,
  policy: KeyPolicy,
  request: { leaseId: string; reserveTokens: number; nowMs: number },
): { state: LimiterState; admission: Admission } {
  const { nowMs } = request;
  let state = current(previous, nowMs);
  const reject = (reason: Rejection, retryAfterMs: number) => ({
    state,
    admission: { ok: false as const, reason, retryAfterMs, headers: headersOf(state, policy) },
  });

  if (state.revoked) return reject('revoked', 0);
  if (policy.monthlyBudgetUsd !== null && state.spentUsd >= policy.monthlyBudgetUsd) {
    return reject('budget', msUntilNextMonth(nowMs));
  }
  if (policy.maxConcurrency !== null && Object.keys(state.leases).length >= policy.maxConcurrency) {
    return reject('concurrency', 1_000);
  }
  if (policy.tokensPerMinute !== null && request.reserveTokens > policy.tokensPerMinute) {
    return reject('too_large', 0);
  }

  const requestLimit =
    policy.requestsPerMinute === null ? null : perMinute(policy.requestsPerMinute);
  const tokenLimit = policy.tokensPerMinute === null ? null : perMinute(policy.tokensPerMinute);
  const requestTake =
    requestLimit && take(state.requests ?? fullBucket(requestLimit, nowMs), requestLimit, 1, nowMs);
  const tokenTake =
    tokenLimit &&
    take(state.tokens ?? fullBucket(tokenLimit, nowMs), tokenLimit, request.reserveTokens, nowMs);
  if ((requestTake && !requestTake.ok) || (tokenTake && !tokenTake.ok)) {
    // Nothing is spent when any check fails: both buckets only refill.
    state = {
      ...state,
      requests:
        requestLimit &&
        refill(state.requests ?? fullBucket(requestLimit, nowMs), requestLimit, nowMs),
      tokens:
        tokenLimit && refill(state.tokens ?? fullBucket(tokenLimit, nowMs), tokenLimit, nowMs),
    };
    if (requestTake && !requestTake.ok) return reject('requests', requestTake.retryAfterMs);
    if (tokenTake && !tokenTake.ok) return reject('tokens', tokenTake.retryAfterMs);
  }
  const requests = requestTake ? requestTake.state : null;
  const tokens = tokenTake ? tokenTake.state : null;
  state = {
    ...state,
    requests,
    tokens,
    leases: {
      ...state.leases,
      [request.leaseId]: { reservedTokens: request.reserveTokens, expiresAtMs: nowMs + leaseTtlMs },
    },
  };
  return { state, admission: { ok: true, headers: headersOf(state, policy) } };
}

/** Reconciles a finished request: real tokens replace the reservation, its cost is spent. */
export function settle(
  previous: LimiterState,
  policy: KeyPolicy,
  outcome: { leaseId: string; usedTokens: number; costUsd: number; nowMs: number },
): LimiterState {
  const state = current(previous, outcome.nowMs);
  const lease = state.leases[outcome.leaseId] ?? state.lapsed?.[outcome.leaseId];
  // Unknown: settled already (settle is idempotent) or lapsed more than a day ago.
  if (lease === undefined) return state;
  const leases = { ...state.leases };
  const lapsed = { ...state.lapsed };
  delete leases[outcome.leaseId];
  delete lapsed[outcome.leaseId];
  let tokens = state.tokens;
  if (policy.tokensPerMinute !== null && tokens) {
    tokens = adjust(
      tokens,
      perMinute(policy.tokensPerMinute),
      lease.reservedTokens - outcome.usedTokens,
      outcome.nowMs,
    );
  }
  return { ...state, leases, lapsed, tokens, spentUsd: state.spentUsd + outcome.costUsd };
}
