import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { embedText, encodeBase64Float32 } from './embeddings';
import { embeddingRequestSchema } from './openai-schemas';
import { promptInputs } from './prompt-input';
import { requestIdOf } from './request-id';
import type { SimAppDeps } from './sim-app-deps';
import { SimError } from './sim-error';
import { validationHook } from './validation-hook';

interface EmbeddingResponse {
  id: string;
  object: 'list';
  created: number;
  model: string;
  data: { index: number; object: 'embedding'; embedding: number[] | string }[];
  usage: { prompt_tokens: number; total_tokens: number };
}

/**
 * `POST /v1/embeddings`: deterministic vectors (see embeddings.ts), one per input, as floats or as
 * base64 little-endian float32 (what the official clients request by default). Served without a
 * batch slot: embedding is one cheap forward pass, not a decode loop.
 */
export function createEmbeddingRoutes(deps: SimAppDeps): Hono {
  const { runtime, clock } = deps;
  return new Hono().post(
    '/v1/embeddings',
    zValidator('json', embeddingRequestSchema, validationHook),
    (c) => {
      const body = c.req.valid('json');
      const model = runtime.resolveModel(body.model);
      runtime.assertAcceptingWork();
      const inputs = promptInputs(body.input);
      const { maxModelLen, simEmbeddingDim } = runtime.config;
      const tooLong = inputs.find((input) => input.tokenCount > maxModelLen);
      if (tooLong) {
        throw new SimError(
          'context_length_exceeded',
          `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${tooLong.tokenCount} tokens in the input for embedding generation. Please reduce the length of the input.`,
        );
      }
      const asBase64 = body.encoding_format === 'base64';
      const data = inputs.map((input, index) => {
        const vector = embedText(input.text, simEmbeddingDim);
        const embedding = asBase64 ? encodeBase64Float32(vector) : vector;
        return { index, object: 'embedding' as const, embedding };
      });
      const promptTokens = inputs.reduce((sum, input) => sum + input.tokenCount, 0);
      runtime.metrics.recordPromptTokens(promptTokens);
      const requestId = requestIdOf(c, deps);
      const response: EmbeddingResponse = {
        id: `embd-${requestId}`,
        object: 'list',
        created: Math.floor(clock.nowMs() / 1000),
        model,
        data,
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      };
      return c.json(response, 200, { 'x-request-id': requestId });
    },
  );
}
