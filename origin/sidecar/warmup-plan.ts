import * as z from 'zod';
import type { Logger } from './logger';
import {
  runCanaryGeneration,
  sendGeneration,
  type EngineGeneration,
  type ProbeOptions,
  type ProbeResult,
  type ReadinessDeps,
} from './readiness';

const cacheSalt = z.string().min(1).optional();
const chatPrompt = z.looseObject({
  messages: z.array(z.looseObject({ role: z.string().min(1) })).min(1),
  cache_salt: cacheSalt,
});
const textPrompt = z.looseObject({ prompt: z.string().min(1), cache_salt: cacheSalt });

/**
 * `--warmup-file`: prompts to run after the canary, typically the system prompts most requests
 * start with, so their blocks are in vLLM's prefix cache before the first user arrives. With
 * per-tenant `cache_salt` (RELIABILITY decision 7) a prompt only warms the cache for requests with
 * the same salt, so each entry may name one.
 */
export const warmupFileSchema = z.object({
  prompts: z.array(z.union([chatPrompt, textPrompt])).max(256),
});
export type WarmupFile = z.infer<typeof warmupFileSchema>;

export type WarmupParse = { ok: true; file: WarmupFile } | { ok: false; message: string };

/** Parses the file's text. Pure. */
export function parseWarmupFile(text: string): WarmupParse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      message: `not JSON: ${error instanceof Error ? error.message : 'invalid'}`,
    };
  }
  const parsed = warmupFileSchema.safeParse(json);
  if (parsed.success) return { ok: true, file: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, message: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
}

/** The generations a warm-up file asks for: one token each, greedy, against the served model. */
export function warmupGenerations(file: WarmupFile, model: string): EngineGeneration[] {
  return file.prompts.map((prompt, index) => ({
    path: 'messages' in prompt ? '/v1/chat/completions' : '/v1/completions',
    body: { ...prompt, model, max_tokens: 1, temperature: 0, stream: false },
    requestId: `sidecar-warmup-${index + 1}`,
  }));
}

export interface WarmupPlanOptions extends ProbeOptions {
  model: string;
  prompts: readonly EngineGeneration[];
  /** One warm-up prompt's own deadline; a slow one must not hold the replica out of service. */
  promptTimeoutMs: number;
  logger: Logger;
}

/**
 * Warm-up: the canary first, retried until the start-up deadline, because only a real token
 * proves the engine works; then each configured prompt once, in order. A failed prompt is logged
 * and skipped: the canary already proved generation, and a bad prompt in a file should not keep
 * every replica out of service.
 */
export async function runWarmupPlan(
  deps: ReadinessDeps,
  options: WarmupPlanOptions,
): Promise<ProbeResult> {
  const canary = await runCanaryGeneration(deps, {
    ...options,
    requestId: 'sidecar-canary-warmup',
  });
  if (!canary.ok) return canary;
  for (const [index, prompt] of options.prompts.entries()) {
    if (options.signal.aborted) return { ok: false, reason: 'warm-up abandoned' };
    const timeout = AbortSignal.timeout(options.promptTimeoutMs);
    const result = await sendGeneration(deps, prompt, AbortSignal.any([options.signal, timeout]));
    if (!result.ok) {
      options.logger.warn('warm-up prompt failed; skipped', {
        prompt: index + 1,
        of: options.prompts.length,
        reason: result.reason,
      });
    }
  }
  return { ok: true };
}
