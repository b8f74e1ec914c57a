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
import { visibleCards, withProviderCards } from '../router/catalogue-cards';
import { resolveTarget, routeRecord, withRouteHeader } from '../router/resolve-request';
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

  /**
   * Records what the usage row needs from the body and resolves the name (alias, routed name, the
   * key's allowed models) to the model that answers: before the cache, so a key never reads an
   * answer of a model it may not use and the cache key holds the model, not the alias.
   */
  const resolve = async (
    c: Context<AppEnv>,
    path: OriginPath,
    body: GenerationBody,
    promptChars: number,
  ) => {
    const draft = c.get('usage');
    Object.assign(draft, { requestedModel: body.model, stream: body.stream === true, promptChars });
    const target = await resolveTarget(deps, {
      name: body.model,
      generates: path !== '/v1/embeddings',
      body,
      totalChars: promptChars,
      allowedModels: c.get('auth').allowedModels,
    });
    if (target.route !== undefined) draft.route = routeRecord(target.route);
    return target;
  };

  /** Admits and forwards a request whose model is resolved. */
  const forward = (
    c: Context<AppEnv>,
    path: OriginPath,
    body: GenerationBody,
    prompt: { chars: number; text: string },
    model: string,
  ) => {
    const promptChars = prompt.chars;
    const stream = body.stream === true;
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
      model,
      prefixKey: prefixKey(model, prompt.text),
      // The engine is asked for the model that answers, never for an alias or a routed name.
      body: { ...body, model, ...(injected !== undefined && { max_tokens: injected }) },
      stream,
      clientWantsUsage: stream && body.stream_options?.include_usage === true,
      admit: () => admitRequest(c, deps, { promptChars, maxTokens, n, generates }),
    });
  };

  /** Chat and completions: resolve, then the cache (which forwards a miss). */
  const generate = async (
    c: Context<AppEnv>,
    endpoint: 'chat' | 'completions',
    body: GenerationBody,
    prompt: { chars: number; text: string },
  ) => {
    const path = endpoint === 'chat' ? '/v1/chat/completions' : '/v1/completions';
    const target = await resolve(c, path, body, prompt.chars);
    const response = await serveWithCache(c, deps, {
      endpoint,
      model: target.model,
      body,
      forward: () => forward(c, path, body, prompt, target.model),
    });
    return withRouteHeader(response, target.route);
  };

  app.post('/chat/completions', jsonBody(chatCompletionRequest), (c) => {
    const body = c.req.valid('json');
    return generate(c, 'chat', body, {
      chars: body.messages.reduce((sum, m) => sum + contentChars(m.content), 0),
      text: renderConversation(body.messages),
    });
  });

  app.post('/completions', jsonBody(completionRequest), (c) => {
    const body = c.req.valid('json');
    return generate(c, 'completions', body, {
      chars: promptChars(body.prompt),
      text: JSON.stringify(body.prompt),
    });
  });

  // Embeddings never stream: `stream` is dropped so a stray field cannot turn on the SSE relay.
  app.post('/embeddings', jsonBody(embeddingRequest), async (c) => {
    const { stream: _stream, ...body } = c.req.valid('json');
    const prompt = { chars: promptChars(body.input), text: JSON.stringify(body.input) };
    const target = await resolve(c, '/v1/embeddings', body, prompt.chars);
    return forward(c, '/v1/embeddings', body, prompt, target.model);
  });

  // Aliases and routed names are listed too; names the key may not use are not (cheap: the key's
  // list is already in hand).
  const listModels = async (c: Context<AppEnv>) =>
    visibleCards(
      withProviderCards(
        modelCards(await deps.pool.snapshot(), deps.clock.nowMs(), deps.config.heartbeatStaleMs),
        deps.config.models,
        deps.providers,
      ),
      deps.config.models,
      c.get('auth').allowedModels,
    );

  app.route('/feedback', createFeedbackRoutes(deps));

  app.get('/models', async (c) => c.json({ object: 'list', data: await listModels(c) }));

  app.get('/models/:model{.+}', async (c) => {
    const id = c.req.param('model');
    const card = (await listModels(c)).find((m) => m.id === id);
    if (card === undefined) {
      throw new GatewayError('model_not_found', `The model '${id}' does not exist.`, {
        param: 'model',
      });
    }
    return c.json(card);
  });

  return app;
}
