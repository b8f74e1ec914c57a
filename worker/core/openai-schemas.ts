import * as z from 'zod';

/**
 * Inbound OpenAI request bodies. Loose on purpose: fields we do not know flow on to the engine
 * untouched (DESIGN §2), so only what the gateway itself reads is checked here.
 */

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
});

const streamOptions = z.looseObject({ include_usage: z.boolean().optional() }).nullish();

const sampling = {
  model: z.string().min(1).max(256),
  stream: z.boolean().nullish(),
  stream_options: streamOptions,
  max_tokens: z.number().int().positive().nullish(),
  // Declared for every endpoint so a wrong type or sign is a 400, never a free reservation.
  max_completion_tokens: z.number().int().positive().nullish(),
  n: z.number().int().min(1).max(16).nullish(),
};

export const chatCompletionRequest = z.looseObject({
  ...sampling,
  messages: z.array(message).min(1).max(2048),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequest>;

export const completionRequest = z.looseObject({
  ...sampling,
  prompt: z.union([
    z.string(),
    z.array(z.string()).min(1),
    z.array(z.number().int()).min(1),
    z.array(z.array(z.number().int()).min(1)).min(1),
  ]),
});
export type CompletionRequest = z.infer<typeof completionRequest>;

export const embeddingRequest = z.looseObject({
  model: z.string().min(1).max(256),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1).max(2048),
    z.array(z.number().int()).min(1),
    z.array(z.array(z.number().int()).min(1)).min(1).max(2048),
  ]),
});
export type EmbeddingRequest = z.infer<typeof embeddingRequest>;

/**
 * Fields that would let request data choose where the gateway sends it (RELIABILITY A5),
 * rejected at any depth of the body — except inside the parts that carry the user's own data
 * (messages, tool and response schemas), where a property named `api_key` is legitimate content.
 */
export const destinationFields: ReadonlySet<string> = new Set([
  'api_base',
  'base_url',
  'api_key',
  'extra_headers',
]);
const contentFields: ReadonlySet<string> = new Set([
  'messages',
  'prompt',
  'input',
  'tools',
  'functions',
  'response_format',
]);
/** Deeper than this is not searched; no OpenAI parameter nests that far. */
const maxSearchDepth = 8;

/** The path of the first destination-choosing field in the body, if any. */
export function forbiddenDestinationField(body: Record<string, unknown>): string | undefined {
  const pending: { value: unknown; path: string; depth: number }[] = [
    { value: body, path: '', depth: 0 },
  ];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, path, depth } = next;
    if (typeof value !== 'object' || value === null || depth > maxSearchDepth) continue;
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (destinationFields.has(key)) return childPath;
      if (depth === 0 && contentFields.has(key)) continue;
      pending.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Usage as vLLM and OpenAI report it. */
export const usageSchema = z.looseObject({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative().optional(),
  total_tokens: z.number().int().nonnegative().optional(),
});
export type Usage = z.infer<typeof usageSchema>;
