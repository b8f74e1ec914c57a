import type { EngineMetricsSample } from './metrics-parser';
import type { ProbeResult } from './readiness';

/**
 * The watchdog's judgement, pure. vLLM's `/health` stays 200 when the engine core hangs (a stuck
 * collective, a CUDA kernel that never returns): the API server is fine, it just never gets another
 * token. Two signals catch that:
 *
 * - **stall**: requests are running or waiting, yet neither the generation nor the prompt token
 *   counter moved for `stallMs`. The prompt counter counts because a long prefill produces no
 *   generated token for a while and is not a hang;
 * - **canary**: when the engine has shown no sign of life (no generated token, no successful
 *   canary) for `canaryIntervalMs`, a one-token generation with a hard timeout. A canary that
 *   fails while tokens were generated is ignored: the engine is busy, not dead (RELIABILITY H4).
 *
 * A `/metrics` that stops answering for `stallMs` counts as a stall too.
 */
export interface WatchdogPolicy {
  stallMs: number;
  canaryIntervalMs: number;
}

export interface StallState {
  /** Last time the engine was idle or made progress: the stall clock runs from here. */
  readonly calmOrProgressMs: number;
  /** Last proof of life: counters moved or a canary succeeded. */
  readonly lastLifeMs: number;
  readonly lastScrapeOkMs: number;
  readonly lastCanaryMs?: number;
  readonly generationTokens?: number;
  readonly promptTokens?: number;
}

export type Verdict = { healthy: true } | { healthy: false; reason: string };
export interface Judged {
  state: StallState;
  verdict: Verdict;
}

const healthy: Verdict = { healthy: true };
const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/** The state at the start of a ready period: everything counts from `nowMs`. */
export function initialStallState(nowMs: number): StallState {
  return { calmOrProgressMs: nowMs, lastLifeMs: nowMs, lastScrapeOkMs: nowMs };
}

/** Folds one `/metrics` scrape (`undefined` when it failed) into the state. */
export function observeMetrics(
  state: StallState,
  sample: EngineMetricsSample | undefined,
  nowMs: number,
  policy: WatchdogPolicy,
): Judged {
  if (sample === undefined) {
    const silentMs = nowMs - state.lastScrapeOkMs;
    return silentMs >= policy.stallMs
      ? { state, verdict: unhealthy(`engine /metrics did not answer for ${seconds(silentMs)} s`) }
      : { state, verdict: healthy };
  }
  const generated = movedFrom(state.generationTokens, sample.generationTokensTotal);
  const moved = generated || movedFrom(state.promptTokens, sample.promptTokensTotal);
  const running = sample.running ?? 0;
  const waiting = sample.waiting ?? 0;
  const busy = running + waiting > 0;
  const next: StallState = {
    ...state,
    lastScrapeOkMs: nowMs,
    generationTokens: sample.generationTokensTotal ?? state.generationTokens,
    promptTokens: sample.promptTokensTotal ?? state.promptTokens,
    calmOrProgressMs: moved || !busy ? nowMs : state.calmOrProgressMs,
    // Only generated tokens prove the engine works: a canary's own prompt could move the prompt
    // counter and pass for life.
    lastLifeMs: generated ? nowMs : state.lastLifeMs,
  };
  const stalledMs = nowMs - next.calmOrProgressMs;
  if (busy && stalledMs >= policy.stallMs) {
    return {
      state: next,
      verdict: unhealthy(
        `engine stalled: ${running} running, ${waiting} waiting, no new tokens for ${seconds(stalledMs)} s`,
      ),
    };
  }
  return { state: next, verdict: healthy };
}

/** Whether a canary should be sent now: no sign of life, and no canary, for the interval. */
export function canaryDue(state: StallState, nowMs: number, policy: WatchdogPolicy): boolean {
  const lastMs = Math.max(state.lastLifeMs, state.lastCanaryMs ?? Number.NEGATIVE_INFINITY);
  return nowMs - lastMs >= policy.canaryIntervalMs;
}

export function canarySent(state: StallState, nowMs: number): StallState {
  return { ...state, lastCanaryMs: nowMs };
}

/** Folds a canary's outcome in; `sentAtMs` is when it was sent. */
export function observeCanary(
  state: StallState,
  result: ProbeResult,
  sentAtMs: number,
  nowMs: number,
): Judged {
  if (result.ok) return { state: { ...state, lastLifeMs: nowMs }, verdict: healthy };
  // Tokens flowed while the canary waited: it queued behind real work. Busy is not dead.
  if (state.lastLifeMs > sentAtMs) return { state, verdict: healthy };
  return { state, verdict: unhealthy(`canary failed: ${result.reason}`) };
}

function movedFrom(previous: number | undefined, current: number | undefined): boolean {
  // The first reading is a baseline, not progress; a reset (engine restart) is progress.
  return previous !== undefined && current !== undefined && current !== previous;
}

function unhealthy(reason: string): Verdict {
  return { healthy: false, reason };
}
