/**
 * The simulator's latency model, kept pure so it can be tested with tables and extended without
 * touching the HTTP code. The pacer (generation-session.ts) asks it for each delay with the batch
 * state of that moment.
 *
 * Modelled now: a base time to first token, a steady inter-token delay, and an optional linear
 * slowdown with the number of sequences running in the batch (decode steps get slower as the
 * batch grows). Left for later, with their seams: a prefill cost per uncached prompt token
 * (`PrefillInput.promptTokens`), a prefix-block KV cache, and fault injection.
 */

export interface LatencyConfig {
  /** Base time to first token, in milliseconds (`--sim-ttft-ms`). */
  ttftMs: number;
  /** Steady delay between streamed tokens, in milliseconds (`--sim-inter-token-ms`). */
  interTokenMs: number;
  /** Extra fraction of delay per running sequence beyond the first (`--sim-batch-slowdown`). */
  batchSlowdown: number;
}

/** What the scheduler holds at the moment a delay is computed. */
export interface BatchState {
  /** Sequences generating, this one included. */
  running: number;
  /** Requests queued for a slot. */
  waiting: number;
}

export interface PrefillInput {
  /** Prompt tokens of the request; the prefill term that will use them is not modelled yet. */
  promptTokens: number;
  batch: BatchState;
}

/** Delay from the moment a request starts running to its first token. */
export function ttftMs(config: LatencyConfig, input: PrefillInput): number {
  return config.ttftMs * batchFactor(config, input.batch);
}

/** Delay between two consecutive tokens of one sequence. */
export function interTokenMs(config: LatencyConfig, batch: BatchState): number {
  return config.interTokenMs * batchFactor(config, batch);
}

function batchFactor(config: LatencyConfig, batch: BatchState): number {
  return 1 + config.batchSlowdown * Math.max(0, batch.running - 1);
}
