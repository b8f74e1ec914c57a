import type { Usage } from './openai-schemas';
import { usageSchema } from './openai-schemas';

/**
 * What the relay needs to know about one SSE `data:` payload from the engine. The engine is
 * untrusted (RELIABILITY V3): anything that is not a JSON object with an array of object choices
 * is `malformed`, never an exception in the relay.
 */
export type ChunkReading =
  | { kind: 'done' }
  | { kind: 'malformed' }
  | { kind: 'error' }
  | {
      kind: 'chunk';
      chunk: Record<string, unknown>;
      choiceCount: number;
      carriesToken: boolean;
      /** Some choice ended here (`finish_reason` set). */
      finishes: boolean;
      /** A valid usage snapshot, if the chunk carries one. */
      usage: Usage | undefined;
      hasUsageField: boolean;
    };

type Choice = Record<string, unknown>;

/** A JSON object: not null, not an array. */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function choiceCarriesToken(choice: Choice): boolean {
  if (typeof choice.text === 'string' && choice.text.length > 0) return true;
  const delta = choice.delta;
  if (!isObject(delta)) return false;
  return (
    (typeof delta.content === 'string' && delta.content.length > 0) ||
    delta.tool_calls !== undefined
  );
}

export function readChunk(data: string): ChunkReading {
  if (data === '[DONE]') return { kind: 'done' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return { kind: 'malformed' };
  }
  if (!isObject(parsed)) return { kind: 'malformed' };
  if (parsed.error !== undefined) return { kind: 'error' };
  const choices = parsed.choices ?? [];
  if (!Array.isArray(choices) || !choices.every(isObject)) return { kind: 'malformed' };
  const hasUsageField = parsed.usage !== undefined && parsed.usage !== null;
  const usage = hasUsageField ? usageSchema.safeParse(parsed.usage) : undefined;
  return {
    kind: 'chunk',
    chunk: parsed,
    choiceCount: choices.length,
    carriesToken: choices.some(choiceCarriesToken),
    finishes: choices.some((c) => typeof c.finish_reason === 'string'),
    usage: usage?.success ? usage.data : undefined,
    hasUsageField,
  };
}
