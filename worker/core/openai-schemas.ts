import { z } from 'zod';

/**
 * Inbound OpenAI request bodies. Loose on purpose: fields we do not know flow on to the engine
 * untouched (DESIGN §2), so only what the gateway itself reads is checked here.
 */

const contentPart = z.looseObject({ type: z.string() });
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
  n: z.number().int().min(1).max(16).nullish(),
};

export const chatCompletionRequest = z.looseObject({
  ...sampling,
  messages: z.array(message).min(1).max(2048),
  max_completion_tokens: z.number().int().positive().nullish(),
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
 * Fields that would let request data choose where the gateway sends it (RELIABILITY A5).
 * Rejected wherever they appear at the top level of a body.
 */
export const destinationFields = ['api_base', 'base_url', 'api_key', 'extra_headers'] as const;

export function forbiddenDestinationField(body: Record<string, unknown>): string | undefined {
  return destinationFields.find((field) => field in body);
}

/** Usage as vLLM and OpenAI report it. */
export const usageSchema = z.looseObject({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative().optional(),
  total_tokens: z.number().int().nonnegative().optional(),
});
export type Usage = z.infer<typeof usageSchema>;
