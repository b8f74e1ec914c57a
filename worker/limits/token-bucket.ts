/**
 * A token bucket as plain data with pure operations, so the per-key Durable Object only stores
 * and replays it. Capacity refills linearly at `capacity` per `periodMs` (a "per minute" limit is
 * a bucket of that size refilled over 60 s). The level may go below zero when reconciliation finds
 * a request used more than it reserved: that debt delays the next admissions instead of vanishing.
 */

export interface BucketState {
  level: number;
  updatedAtMs: number;
}

export interface BucketLimit {
  capacity: number;
  periodMs: number;
}

export function refill(state: BucketState, limit: BucketLimit, nowMs: number): BucketState {
  const elapsedMs = Math.max(0, nowMs - state.updatedAtMs);
  const level = Math.min(
    limit.capacity,
    state.level + (elapsedMs * limit.capacity) / limit.periodMs,
  );
  return { level, updatedAtMs: Math.max(nowMs, state.updatedAtMs) };
}

export function fullBucket(limit: BucketLimit, nowMs: number): BucketState {
  return { level: limit.capacity, updatedAtMs: nowMs };
}

export type TakeResult =
  { ok: true; state: BucketState } | { ok: false; state: BucketState; retryAfterMs: number };

/** Takes `amount` if the bucket holds it; otherwise says how long until it would. */
export function take(
  state: BucketState,
  limit: BucketLimit,
  amount: number,
  nowMs: number,
): TakeResult {
  const current = refill(state, limit, nowMs);
  if (current.level >= amount)
    return { ok: true, state: { ...current, level: current.level - amount } };
  // A request larger than the whole bucket can never pass; the caller rejects it outright.
  const missing = amount - current.level;
  return {
    ok: false,
    state: current,
    retryAfterMs: Math.ceil((missing * limit.periodMs) / limit.capacity),
  };
}

/** Gives back (positive) or charges (negative) the difference between reserved and used. */
export function adjust(
  state: BucketState,
  limit: BucketLimit,
  delta: number,
  nowMs: number,
): BucketState {
  const current = refill(state, limit, nowMs);
  return { ...current, level: Math.min(limit.capacity, current.level + delta) };
}

/** Milliseconds until the bucket is full again: the `x-ratelimit-reset-*` value. */
export function msUntilFull(state: BucketState, limit: BucketLimit): number {
  return Math.max(0, Math.ceil(((limit.capacity - state.level) * limit.periodMs) / limit.capacity));
}
