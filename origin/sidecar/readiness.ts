import { z } from 'zod';
import { errorMessage } from './logger';
import type { Clock, HttpFetch, Sleep } from './ports';

export type ProbeResult = { ok: true } | { ok: false; reason: string };

export interface ReadinessDeps {
  engineBaseUrl: string;
  fetch: HttpFetch;
  clock: Clock;
  sleep: Sleep;
}

export interface ProbeOptions {
  /** Epoch ms after which the probe gives up. */
  deadlineMs: number;
  /** Pause between attempts. */
  retryIntervalMs: number;
  /** Ends the probe early (engine exited, drain began). */
  signal: AbortSignal;
}

/** One attempt's own timeout: a hung engine socket must not eat the whole start-up deadline. */
const healthAttemptTimeoutMs = 5_000;
const canaryAttemptTimeoutMs = 60_000;

/** Polls `GET /health` until it answers 200. The engine does not listen while it loads. */
export function waitForEngineHealth(
  deps: ReadinessDeps,
  options: ProbeOptions,
): Promise<ProbeResult> {
  return retryUntil(
    deps,
    options,
    'engine /health',
    async (signal) => {
      const response = await deps.fetch(`${deps.engineBaseUrl}/health`, { signal });
      await response.arrayBuffer();
      return response.ok
        ? { ok: true }
        : { ok: false, reason: `/health answered ${response.status}` };
    },
    healthAttemptTimeoutMs,
  );
}

const completionSchema = z.object({
  choices: z.array(z.object({ text: z.string() })).min(1),
  usage: z.object({ completion_tokens: z.number().int() }).optional(),
});

/**
 * Warm-up: a real one-token generation (RELIABILITY H3). `/health` is 200 as soon as the server
 * is up, even when generation is broken (bad weights, CUDA errors), so ready needs a token.
 * Uses `/v1/completions`, which every generative model serves; chat needs a chat template.
 */
export function runCanaryGeneration(
  deps: ReadinessDeps,
  options: ProbeOptions & { model: string },
): Promise<ProbeResult> {
  const request = JSON.stringify({
    model: options.model,
    prompt: 'Hello',
    max_tokens: 1,
    temperature: 0,
  });
  return retryUntil(
    deps,
    options,
    'canary generation',
    async (signal) => {
      const response = await deps.fetch(`${deps.engineBaseUrl}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: request,
        signal,
      });
      const text = await response.text();
      if (!response.ok) return { ok: false, reason: `completion answered ${response.status}` };
      const parsed = completionSchema.safeParse(safeJson(text));
      if (!parsed.success) return { ok: false, reason: 'completion body is not a completion' };
      const { choices, usage } = parsed.data;
      const tokens = usage?.completion_tokens ?? (choices[0]?.text === '' ? 0 : 1);
      return tokens >= 1 ? { ok: true } : { ok: false, reason: 'completion generated no token' };
    },
    canaryAttemptTimeoutMs,
  );
}

async function retryUntil(
  deps: ReadinessDeps,
  options: ProbeOptions,
  what: string,
  attempt: (signal: AbortSignal) => Promise<ProbeResult>,
  attemptTimeoutMs: number,
): Promise<ProbeResult> {
  let lastReason = 'not attempted';
  for (;;) {
    if (options.signal.aborted) return { ok: false, reason: `${what} abandoned` };
    const remainingMs = options.deadlineMs - deps.clock.nowMs();
    if (remainingMs <= 0) {
      return {
        ok: false,
        reason: `${what} did not succeed before the start-up deadline (last: ${lastReason})`,
      };
    }
    const signal = AbortSignal.any([
      options.signal,
      AbortSignal.timeout(Math.min(remainingMs, attemptTimeoutMs)),
    ]);
    try {
      const result = await attempt(signal);
      if (result.ok) return result;
      lastReason = result.reason;
    } catch (error) {
      lastReason = errorMessage(error);
    }
    const pauseMs = Math.min(options.retryIntervalMs, options.deadlineMs - deps.clock.nowMs());
    if (pauseMs > 0) await deps.sleep(pauseMs, options.signal).catch(() => undefined);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
