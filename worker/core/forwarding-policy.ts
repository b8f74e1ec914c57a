import { defaultLoadFactor } from './replica-choice';

/**
 * How the edge forwards to a replica: its timers, its retry limits and its passive-health
 * thresholds. Parsed from the environment in bindings.ts; every value has a default sized for a
 * vLLM pool (RELIABILITY T1, R5, H1, H2).
 */
export interface ForwardingPolicy {
  /** Until the engine's response headers arrive (vLLM sends them before prefill starts). */
  connectTimeoutMs: number;
  /**
   * A non-streamed answer arrives whole when generation ends (vLLM sends its headers then), so
   * it has no first byte or progress to time: this one timer bounds the whole answer. It must be
   * at least the longest generation the pool allows (T1); streams are not affected by it.
   */
  responseTimeoutMs: number;
  /** Until the first SSE event of a stream: sized for the worst prefill under load. */
  firstByteTimeoutMs: number;
  /** Between two events once a stream has started; there is no total cap on a stream. */
  idleTimeoutMs: number;
  /** While a stream waits for its first event, a `: keepalive` comment this often (T2). */
  keepaliveIntervalMs: number;
  /**
   * The whole attempt sequence before the first byte fits in this (R6): no attempt starts after
   * it, and a stream attempt's header and first-byte waits are clipped to what is left. Keep it at
   * least connect + first-byte so a first attempt has its full budget.
   */
  requestDeadlineMs: number;
  /** Attempts per client request, the first one included (R5). */
  maxAttempts: number;
  /** Consecutive connect failures, resets or 5xx that eject a replica (H1). */
  ejectAfterFailures: number;
  /** Ejection time = base × number of ejections, capped (H2). */
  ejectionBaseMs: number;
  ejectionMaxMs: number;
  /** Send each tenant's `cache_salt` to the engine (decision 7); off for one-tenant deployments. */
  cacheSalt: boolean;
  /** How long a request waits for a sleeping pool it woke to turn ready before a 503. */
  wakeTimeoutMs: number;
  /**
   * Bounded-load factor c of replica choice: a replica loaded beyond c × the mean is skipped for
   * the next in rendezvous order. Higher keeps more prefixes home (more cache hits), lower
   * balances harder (bench/README.md, routing benchmark).
   */
  loadFactor: number;
}

export const defaultForwardingPolicy: ForwardingPolicy = {
  connectTimeoutMs: 10_000,
  responseTimeoutMs: 600_000,
  firstByteTimeoutMs: 60_000,
  idleTimeoutMs: 120_000,
  keepaliveIntervalMs: 10_000,
  maxAttempts: 3,
  requestDeadlineMs: 90_000,
  wakeTimeoutMs: 30_000,
  loadFactor: defaultLoadFactor,
  ejectAfterFailures: 5,
  ejectionBaseMs: 10_000,
  ejectionMaxMs: 300_000,
  cacheSalt: true,
};

export type StreamTimeouts = Pick<
  ForwardingPolicy,
  'firstByteTimeoutMs' | 'idleTimeoutMs' | 'keepaliveIntervalMs'
>;

export type WaitExpiry = 'keepalive' | 'first_byte_timeout' | 'idle_timeout';

/**
 * How long the relay may wait for the next read of a stream, and what it means when that time
 * passes. Before the first event the first-byte budget runs (counting time already spent waiting)
 * and keepalives are due every interval; after it, only the idle timer runs, afresh for each read,
 * so a stream that keeps progressing is never cut.
 */
export function nextReadWait(
  timeouts: StreamTimeouts,
  state: { sawEvent: boolean; waitedForFirstMs: number },
): { waitMs: number; expiry: WaitExpiry } {
  if (state.sawEvent) return { waitMs: timeouts.idleTimeoutMs, expiry: 'idle_timeout' };
  const leftMs = Math.max(0, timeouts.firstByteTimeoutMs - state.waitedForFirstMs);
  if (timeouts.keepaliveIntervalMs < leftMs) {
    return { waitMs: timeouts.keepaliveIntervalMs, expiry: 'keepalive' };
  }
  return { waitMs: leftMs, expiry: 'first_byte_timeout' };
}
