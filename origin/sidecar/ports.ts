/**
 * Narrow interfaces at the sidecar's I/O edges. `main.ts` builds the real ones; tests pass fakes
 * (a fixed clock, a fake engine on a free port, an array collecting log lines).
 */

/** Wall-clock time in epoch milliseconds. */
export interface Clock {
  nowMs(): number;
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The subset of `fetch` the sidecar uses to call the engine and the edge. */
export type HttpFetch = (url: string, init?: RequestInit) => Promise<Response>;

/** Where finished log lines go (stdout in production). */
export type LogSink = (line: string) => void;

/** Uniform numbers in [0, 1); injected so backoff jitter is reproducible in tests. */
export interface Rng {
  next(): number;
}
