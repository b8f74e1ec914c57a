/**
 * The simulator's latency model, pure so it can be tested with tables. The pacer
 * (generation-session.ts) asks it for each delay with the batch state of that moment.
 *
 *   TTFT        = (overhead + uncached prompt tokens × prefill per token) × batch factor / speedup
 *   inter-token = inter-token delay × batch factor / speedup
 *   batch factor = 1 + slowdown × (running − 1)
 *
 * Only uncached prompt tokens cost prefill time: blocks found in the prefix cache are not
 * recomputed, which is what makes a warm prefix cache visible in TTFT.
 */

export const latencyProfileNames = ['h100-8b', 'h100-70b'] as const;
export type LatencyProfileName = (typeof latencyProfileNames)[number];

export interface LatencyProfile {
  /** Fixed part of time to first token: scheduling, the first decode step, detokenising. */
  overheadMs: number;
  /** Prefill cost of one prompt token that is not in the prefix cache. */
  prefillMsPerToken: number;
  /** Steady delay between two tokens of one sequence, with the batch nearly empty. */
  interTokenMs: number;
  /** Extra fraction of delay per running sequence beyond the first. */
  batchSlowdown: number;
}

/**
 * Reference profiles from public figures for vLLM on one H100 (80 GB). 7–8B in bf16: about
 * 25–40 ms + 0.15–0.30 ms per prompt token to the first token and 10–15 ms per output token; a
 * decode step at 64 running sequences takes roughly 1.3–1.5× one at batch 1. 70B (fp8 on one H100,
 * or bf16 with tensor parallelism): roughly 2–3× the prefill cost and 25–40 ms per output token.
 * They are orders of magnitude for realistic tests, not a benchmark of any particular build.
 */
export const referenceProfiles: Readonly<Record<LatencyProfileName, LatencyProfile>> = {
  'h100-8b': { overheadMs: 30, prefillMsPerToken: 0.2, interTokenMs: 12, batchSlowdown: 0.006 },
  'h100-70b': { overheadMs: 60, prefillMsPerToken: 0.6, interTokenMs: 30, batchSlowdown: 0.01 },
};

export interface LatencyConfig extends LatencyProfile {
  /** Every delay is divided by this (`--sim-speedup`), so tests run the same model faster. */
  speedup: number;
}

/** A reference profile with any explicitly given fields replacing the profile's own. */
export function resolveLatency(
  profile: LatencyProfileName,
  overrides: Partial<LatencyProfile>,
  speedup: number,
): LatencyConfig {
  const defined = Object.fromEntries(
    Object.entries(overrides).filter(([, value]) => value !== undefined),
  ) as Partial<LatencyProfile>;
  return { ...referenceProfiles[profile], ...defined, speedup };
}

/** What the scheduler holds at the moment a delay is computed. */
export interface BatchState {
  /** Sequences generating, this one included. */
  running: number;
  /** Requests queued for a slot. */
  waiting: number;
}

export interface PrefillInput {
  /** Prompt tokens that missed the prefix cache and must be computed. */
  uncachedPromptTokens: number;
  batch: BatchState;
}

/** Delay from the moment a request starts running to its first token. */
export function ttftMs(config: LatencyConfig, input: PrefillInput): number {
  const prefillMs = config.overheadMs + input.uncachedPromptTokens * config.prefillMsPerToken;
  return (prefillMs * batchFactor(config, input.batch)) / config.speedup;
}

/** Delay between two consecutive tokens of one sequence. */
export function interTokenMs(config: LatencyConfig, batch: BatchState): number {
  return (config.interTokenMs * batchFactor(config, batch)) / config.speedup;
}

function batchFactor(config: LatencyConfig, batch: BatchState): number {
  return 1 + config.batchSlowdown * Math.max(0, batch.running - 1);
}
