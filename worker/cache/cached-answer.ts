import { usageSchema, type Usage } from '../core/openai-schemas';
import { isObject } from '../core/stream-chunk';
import type { CacheEndpoint } from './cache-key';
import { answerIsComplete } from './cache-policy';

/**
 * What the exact cache stores: the final answer of each choice plus usage, never the wire bytes
 * (RELIABILITY K5). A hit is rebuilt from it as JSON or as SSE with fresh ids and headers.
 */
export interface CachedChoice {
  index: number;
  /** Chat: the assistant message as the engine finished it (content, tool_calls, refusal, …). */
  message?: Record<string, unknown>;
  /** Legacy completions: the generated text. */
  text?: string;
  finishReason: string;
}

export interface CachedAnswer {
  v: 1;
  endpoint: CacheEndpoint;
  model: string;
  choices: CachedChoice[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  storedAtMs: number;
  /** The revision of the weights that generated it, when the replica reported one (K1). */
  modelRevision?: string;
}

/**
 * Whether a stored answer still comes from weights the pool serves: true unless the replicas of
 * the model report revisions and none of them is the entry's. The revision is only known once a
 * replica is chosen, so it cannot be in the key; this check makes a rollout end the old hits.
 */
export function revisionServed(
  answer: CachedAnswer,
  replicas: readonly { models: readonly string[]; modelRevision?: string }[],
): boolean {
  if (answer.modelRevision === undefined) return true;
  const revisions = replicas
    .filter((r) => r.models.includes(answer.model) && r.modelRevision !== undefined)
    .map((r) => r.modelRevision);
  return revisions.length === 0 || revisions.includes(answer.modelRevision);
}

export function completeUsage(usage: Usage): CachedAnswer['usage'] {
  const completion = usage.completion_tokens ?? 0;
  return {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: completion,
    total_tokens: usage.total_tokens ?? usage.prompt_tokens + completion,
  };
}

/**
 * The storable answer of an engine's JSON response, or undefined when it must not be kept:
 * no usage, no choices, or a choice that did not finish cleanly (K2).
 */
export function answerFromJson(
  endpoint: CacheEndpoint,
  model: string,
  parsed: unknown,
  storedAtMs: number,
): CachedAnswer | undefined {
  if (!isObject(parsed) || !Array.isArray(parsed.choices)) return undefined;
  const usage = usageSchema.safeParse(parsed.usage);
  if (!usage.success) return undefined;
  const choices: CachedChoice[] = [];
  for (const [position, choice] of (parsed.choices as unknown[]).entries()) {
    if (!isObject(choice) || typeof choice.finish_reason !== 'string') return undefined;
    const index = typeof choice.index === 'number' ? choice.index : position;
    if (endpoint === 'chat') {
      if (!isObject(choice.message)) return undefined;
      choices.push({ index, message: choice.message, finishReason: choice.finish_reason });
    } else {
      if (typeof choice.text !== 'string') return undefined;
      choices.push({ index, text: choice.text, finishReason: choice.finish_reason });
    }
  }
  return storable({ v: 1, endpoint, model, choices, usage: completeUsage(usage.data), storedAtMs });
}

/** The answer, if every choice finished with `stop` or `tool_calls`. */
export function storable(answer: CachedAnswer): CachedAnswer | undefined {
  return answerIsComplete(answer.choices.map((c) => c.finishReason)) ? answer : undefined;
}

/** Reads a stored entry; anything malformed (an older format, a damaged value) is a miss. */
export function parseCachedAnswer(text: string | undefined): CachedAnswer | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (!isObject(value) || value.v !== 1 || !Array.isArray(value.choices)) return undefined;
    if (!isObject(value.usage) || typeof value.model !== 'string') return undefined;
    return value as unknown as CachedAnswer;
  } catch {
    return undefined;
  }
}
