import * as z from 'zod';

/**
 * Inbound request bodies. Loose on purpose: unknown fields (tools, response_format, logprobs,
 * vLLM extras) are accepted and ignored, as vLLM ignores what it does not use. Only the fields the
 * simulator acts on are checked.
 */

const tokenIds = z.array(z.number().int().nonnegative()).min(1);

/** A prompt or embedding input: text, texts, token ids, or lists of token ids (OpenAI's forms). */
export const promptSchema = z.union([
  z.string(),
  z.array(z.string()).min(1),
  tokenIds,
  z.array(tokenIds).min(1),
]);
export type PromptField = z.infer<typeof promptSchema>;

const samplingFields = {
  /** Optional as in vLLM, which then uses the first served name. */
  model: z.string().min(1).optional(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  /** Bounded so one request cannot ask for an unbounded fan-out. */
  n: z.number().int().min(1).max(128).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(16)]).nullish(),
  seed: z.number().int().nullish(),
  temperature: z.number().min(0).nullish(),
  /** vLLM extension: ignore the natural end and generate exactly `max_tokens`. */
  ignore_eos: z.boolean().nullish(),
  /** vLLM extension: salts the prefix-cache hashes, so only requests with the same salt share. */
  cache_salt: z.string().min(1).nullish(),
};

const contentPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

export const chatMessageSchema = z.looseObject({
  role: z.string().min(1),
  content: z.union([z.string(), z.array(contentPartSchema), z.null()]).optional(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const chatCompletionRequestSchema = z.looseObject({
  ...samplingFields,
  messages: z.array(chatMessageSchema).min(1),
  max_completion_tokens: z.number().int().positive().nullish(),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

export const completionRequestSchema = z.looseObject({
  ...samplingFields,
  prompt: promptSchema,
});
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

export const embeddingRequestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  input: promptSchema,
  encoding_format: z.enum(['float', 'base64']).nullish(),
});
export type EmbeddingRequest = z.infer<typeof embeddingRequestSchema>;

/** `POST /sleep` takes its level from the query (as vLLM does) or from a JSON body. */
export const sleepLevelSchema = z.coerce.number().int().min(1).max(2);
