import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../app-env';
import { chatCompletionRequest, completionRequest, embeddingRequest } from '../core/openai-schemas';
import { prefixKey, renderConversation } from '../core/prefix-key';
import { contentChars, promptChars } from '../core/prompt-size';
import { modelCards } from '../core/model-cards';
import { GatewayError } from '../errors';
import { admitRequest } from '../limits/admission';
import { forwardToOrigin, type OriginPath } from '../forwarding/forward';
import { serveWithCache } from '../cache/cache-flow';
import { createAuth } from '../middleware/auth';
import { jsonBody, strictUtf8Body } from '../middleware/json-body';
import { createFeedbackRoutes } from './feedback';
import { createUsageRecorder } from '../middleware/usage-recorder';
import type { GatewayDeps } from '../ports';

/** The fields of a request body that forwarding reads. */
interface GenerationBody extends Record<string, unknown> {
  model: string;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  n?: number | null;
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
  app.post('*', strictUtf8Body);

  /** Records what the usage row needs from the body, then admits and forwards it. */
  const forward = (
    c: Context<AppEnv>,
    path: OriginPath,
    body: GenerationBody,
    prompt: { chars: number; text: string },
  ) => {
    const promptChars = prompt.chars;
    const draft = c.get('usage');
    const stream = body.stream === true;
    Object.assign(draft, { requestedModel: body.model, stream, promptChars });
    const generates = path !== '/v1/embeddings';
    const n = body.n ?? 1;
    // Chat engines honour either field; legacy completions read only max_tokens.
    const asked =
      path === '/v1/chat/completions'
        ? Math.max(body.max_completion_tokens ?? 0, body.max_tokens ?? 0) || undefined
        : (body.max_tokens ?? undefined);
    // A capped key that names no limit gets the cap written in, so leaving max_tokens out
    // cannot buy an unbounded generation (RELIABILITY L3).
    const cap = c.get('auth').maxTokensPerRequest;
    const injected =
      generates && cap !== null && asked === undefined
        ? Math.max(1, Math.floor(cap / n))
        : undefined;
    const maxTokens = asked ?? injected;
    return forwardToOrigin(c, deps, {
      path,
      model: body.model,
      prefixKey: prefixKey(body.model, prompt.text),
      body: injected === undefined ? body : { ...body, max_tokens: injected },
      stream,
      clientWantsUsage: stream && body.stream_options?.include_usage === true,
      admit: () => admitRequest(c, deps, { promptChars, maxTokens, n, generates }),
    });
  };

  app.post('/chat/completions', jsonBody(chatCompletionRequest), (c) => {
    const body = c.req.valid('json');
    const chars = body.messages.reduce((sum, m) => sum + contentChars(m.content), 0);
    return serveWithCache(c, deps, {
      endpoint: 'chat',
      model: body.model,
      body,
      forward: () =>
        forward(c, '/v1/chat/completions', body, {
          chars,
          text: renderConversation(body.messages),
        }),
    });
  });

  app.post('/completions', jsonBody(completionRequest), (c) => {
    const body = c.req.valid('json');
    return serveWithCache(c, deps, {
      endpoint: 'completions',
      model: body.model,
      body,
      forward: () =>
        forward(c, '/v1/completions', body, {
          chars: promptChars(body.prompt),
          text: JSON.stringify(body.prompt),
        }),
    });
  });

  // Embeddings never stream: `stream` is dropped so a stray field cannot turn on the SSE relay.
  app.post('/embeddings', jsonBody(embeddingRequest), (c) => {
    const { stream: _stream, ...body } = c.req.valid('json');
    return forward(c, '/v1/embeddings', body, {
      chars: promptChars(body.input),
      text: JSON.stringify(body.input),
    });
  });

  const listModels = async () =>
    modelCards(await deps.pool.snapshot(), deps.clock.nowMs(), deps.config.heartbeatStaleMs);

  app.route('/feedback', createFeedbackRoutes(deps));

  app.get('/models', async (c) => c.json({ object: 'list', data: await listModels() }));

  app.get('/models/:model{.+}', async (c) => {
    const id = c.req.param('model');
    const card = (await listModels()).find((m) => m.id === id);
    if (card === undefined) {
      throw new GatewayError('model_not_found', `The model '${id}' does not exist.`, {
        param: 'model',
      });
    }
    return c.json(card);
  });

  return app;
}
