import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../app-env';
import { chatCompletionRequest, completionRequest, embeddingRequest } from '../core/openai-schemas';
import { servableModels } from '../core/replica-choice';
import { GatewayError } from '../errors';
import { forwardToOrigin } from '../forwarding/forward';
import { createAuth } from '../middleware/auth';
import { jsonBody } from '../middleware/json-body';
import { createUsageRecorder } from '../middleware/usage-recorder';
import type { GatewayDeps } from '../ports';

function textLength(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + textLength(item), 0);
  if (typeof value === 'object' && value !== null && 'text' in value) return textLength(value.text);
  return 0;
}

/** The OpenAI-compatible API: `/v1/chat/completions`, `/v1/completions`, `/v1/embeddings`, `/v1/models`. */
export function createV1Routes(deps: GatewayDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', createUsageRecorder(deps));
  app.use('*', createAuth(deps.apiKeys));
  app.use(
    '*',
    bodyLimit({
      maxSize: deps.config.maxBodyBytes,
      onError: () => {
        throw new GatewayError('payload_too_large', 'The request body is too large.');
      },
    }),
  );

  app.post('/chat/completions', jsonBody(chatCompletionRequest), async (c) => {
    const body = c.req.valid('json');
    const draft = c.get('usage');
    draft.requestedModel = body.model;
    draft.stream = body.stream === true;
    draft.promptChars = body.messages.reduce((sum, m) => sum + textLength(m.content), 0);
    return forwardToOrigin(c, deps, {
      path: '/v1/chat/completions',
      model: body.model,
      body,
      stream: draft.stream,
      clientWantsUsage: body.stream_options?.include_usage === true,
    });
  });

  app.post('/completions', jsonBody(completionRequest), async (c) => {
    const body = c.req.valid('json');
    const draft = c.get('usage');
    draft.requestedModel = body.model;
    draft.stream = body.stream === true;
    draft.promptChars = textLength(body.prompt);
    return forwardToOrigin(c, deps, {
      path: '/v1/completions',
      model: body.model,
      body,
      stream: draft.stream,
      clientWantsUsage: body.stream_options?.include_usage === true,
    });
  });

  app.post('/embeddings', jsonBody(embeddingRequest), async (c) => {
    const body = c.req.valid('json');
    const draft = c.get('usage');
    draft.requestedModel = body.model;
    draft.promptChars = textLength(body.input);
    return forwardToOrigin(c, deps, {
      path: '/v1/embeddings',
      model: body.model,
      body,
      stream: false,
      clientWantsUsage: false,
    });
  });

  app.get('/models', async (c) => {
    const replicas = await deps.pool.snapshot();
    const models = servableModels(replicas, deps.clock.nowMs(), deps.config.heartbeatStaleMs);
    const firstSeenSeconds = (model: string) =>
      Math.floor(
        Math.min(...replicas.filter((r) => r.models.includes(model)).map((r) => r.registeredAtMs)) /
          1000,
      );
    return c.json({
      object: 'list',
      data: [...models].sort().map((id) => ({
        id,
        object: 'model',
        created: firstSeenSeconds(id),
        owned_by: 'switchyard',
      })),
    });
  });

  return app;
}
