import * as z from 'zod';
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

const generationSchema = z.object({
  choices: z
    .array(
      z.looseObject({
        text: z.string().optional(),
        message: z.looseObject({ content: z.string().nullish() }).optional(),
      }),
    )
    .min(1),
  usage: z.object({ completion_tokens: z.number().int() }).optional(),
});

/** One generation the sidecar sends the engine itself (canary, warm-up prompt). */
export interface EngineGeneration {
  path: '/v1/completions' | '/v1/chat/completions';
  body: Readonly<Record<string, unknown>>;
  /** Lets the engine's log tell the sidecar's own requests from the edge's. */
  requestId: string;
}

/** The canary: a one-token completion every generative model serves (chat needs a template). */
export function canaryGeneration(model: string, requestId: string): EngineGeneration {
  return {
    path: '/v1/completions',
    body: { model, prompt: 'Hello', max_tokens: 1, temperature: 0 },
    requestId,
  };
}

/**
 * Sends one generation and says whether at least one token came back. `/health` is 200 as soon
 * as the server is up, even when generation is broken (bad weights, CUDA errors), so only a token
 * proves the engine works (RELIABILITY H3). Never throws.
 */
export async function sendGeneration(
  deps: Pick<ReadinessDeps, 'engineBaseUrl' | 'fetch'>,
  generation: EngineGeneration,
  signal: AbortSignal,
): Promise<ProbeResult> {
  try {
    const response = await deps.fetch(`${deps.engineBaseUrl}${generation.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': generation.requestId },
      body: JSON.stringify(generation.body),
      signal,
    });
    const text = await response.text();
    if (!response.ok) return { ok: false, reason: `generation answered ${response.status}` };
    const parsed = generationSchema.safeParse(safeJson(text));
    if (!parsed.success) return { ok: false, reason: 'generation body is not a completion' };
    const { choices, usage } = parsed.data;
    const firstText = choices[0]?.text ?? choices[0]?.message?.content ?? '';
    const tokens = usage?.completion_tokens ?? (firstText === '' ? 0 : 1);
    return tokens >= 1 ? { ok: true } : { ok: false, reason: 'generation produced no token' };
  } catch (error) {
    return { ok: false, reason: signal.aborted ? 'generation timed out' : errorMessage(error) };
  }
}

/** Retries the canary until it produces a token or the start-up deadline passes. */
export function runCanaryGeneration(
  deps: ReadinessDeps,
  options: ProbeOptions & { model: string; requestId: string },
): Promise<ProbeResult> {
  const canary = canaryGeneration(options.model, options.requestId);
  return retryUntil(
    deps,
    options,
    'canary generation',
    (signal) => sendGeneration(deps, canary, signal),
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
