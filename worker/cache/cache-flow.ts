import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { GatewayError } from '../errors';
import { admitRequest } from '../limits/admission';
import type { FlightRole, GatewayDeps, ResponseCache } from '../ports';
import { exactCacheKey, type CacheEndpoint } from './cache-key';
import { decideCaching, parseTtlHeader } from './cache-policy';
import { parseCachedAnswer, revisionServed, type CachedAnswer } from './cached-answer';
import {
  endFlight,
  header,
  keepAnswer,
  withHeaders,
  type MissState,
  type Use,
} from './miss-answer';
import { replayJson, replaySse } from './replay';
import {
  effectiveThreshold,
  semanticLookup,
  semanticQueryText,
  semanticScope,
  type SemanticProbe,
} from './semantic-step';

/**
 * The request path's cache flow (DESIGN §2, RELIABILITY K1–K7), between validation and
 * forwarding: decide → exact lookup → semantic lookup → single flight → forward → keep the answer.
 * The cache never fails a request: a store, index or coalescer error is logged and the request
 * goes on as a miss.
 */

export interface CachedRequest {
  endpoint: CacheEndpoint;
  /** The model the request resolved to (the cache key's model). */
  model: string;
  body: Readonly<Record<string, unknown>>;
  /** Sends the request upstream (admission included) and returns the client's response. */
  forward: () => Promise<Response>;
}

export async function serveWithCache(
  c: Context<AppEnv>,
  deps: GatewayDeps,
  request: CachedRequest,
): Promise<Response> {
  const cache = deps.responseCache;
  const draft = c.get('usage');
  if (cache === undefined) return request.forward();
  const ttl = parseTtlHeader(c.req.header('x-switchyard-cache-ttl'), cache.config);
  if (!ttl.ok) {
    throw new GatewayError(
      'invalid_request',
      'x-switchyard-cache-ttl must be a whole number of seconds greater than 0.',
    );
  }
  const decision = decideCaching({
    body: request.body,
    cacheMode: c.get('auth').cacheMode,
    cacheControl: c.req.header('cache-control'),
    ttlSeconds: ttl.ttlSeconds,
    config: cache.config,
  });
  if (decision.kind === 'bypass') {
    draft.cache = { status: 'bypass', tokensSaved: 0 };
    return withHeaders(await request.forward(), { [header.status]: 'bypass' });
  }
  const key = await exactCacheKey({
    tenantId: c.get('auth').tenantId,
    endpoint: request.endpoint,
    model: request.model,
    body: request.body,
  });
  const log = (what: string, error: unknown) =>
    deps.logger.warn(what, { requestId: c.get('requestId'), error: String(error) });

  let probe: SemanticProbe | undefined;
  if (decision.read) {
    const stored = await cache.store.get(key.kvKey).catch((error: unknown) => {
      log('cache read failed', error);
      return undefined;
    });
    const answer = await current(deps, parseCachedAnswer(stored));
    if (answer !== undefined) return serveHit(c, deps, request, key.kvKey, answer, 'hit-exact');
    const semantic = await semanticStep(c, deps, cache, decision, request).catch(
      (error: unknown) => {
        if (error instanceof GatewayError) throw error;
        log('semantic cache failed', error);
        return undefined;
      },
    );
    if (semantic?.kind === 'hit' && (await current(deps, semantic.answer)) !== undefined) {
      const { answer, kvKey, similarity } = semantic;
      return serveHit(c, deps, request, kvKey, answer, 'hit-semantic', similarity);
    }
    probe = semantic?.probe;
  }

  // Only a request that may both read and keep the answer joins a flight: one that asked for a
  // fresh answer (no-cache) must not get another's, and one that may not store cannot share.
  let role: FlightRole | undefined;
  if (cache.coalescer !== undefined && decision.read && decision.write) {
    role = await cache.coalescer.join(key.kvKey, c.get('requestId')).catch((error: unknown) => {
      log('cache flight unavailable', error);
      return undefined;
    });
    if (role?.role === 'follower') {
      const answer = parseCachedAnswer(role.answer);
      if (answer !== undefined) return serveHit(c, deps, request, key.kvKey, answer, 'hit-exact');
    }
  }
  const miss: MissState = {
    cache,
    decision,
    key,
    request,
    leading: role?.role === 'leader',
    probe,
  };
  draft.cache = { status: 'miss', tokensSaved: 0 };
  let response: Response;
  try {
    response = await request.forward();
  } catch (error) {
    if (miss.leading) endFlight(c, deps, miss, undefined);
    throw error;
  }
  return keepAnswer(c, deps, miss, response);
}

/** The answer, unless the pool has moved on to other weights for its model. */
async function current(
  deps: GatewayDeps,
  answer: CachedAnswer | undefined,
): Promise<CachedAnswer | undefined> {
  if (answer?.modelRevision === undefined) return answer;
  // Without a pool view the revision cannot be judged; the stored answer is still the best one.
  const replicas = await deps.pool.snapshot().catch(() => []);
  return revisionServed(answer, replicas) ? answer : undefined;
}

async function semanticStep(
  c: Context<AppEnv>,
  deps: GatewayDeps,
  cache: ResponseCache,
  decision: Use,
  request: CachedRequest,
) {
  const semantic = deps.semantic;
  if (semantic === undefined || !decision.semantic || request.endpoint !== 'chat') return undefined;
  const threshold = effectiveThreshold(
    cache.config.semanticThresholds,
    semantic.threshold,
    request.model,
    c.req.header('x-switchyard-similarity-threshold'),
  );
  if (!threshold.ok) {
    throw new GatewayError(
      'invalid_request',
      'x-switchyard-similarity-threshold must be a number between 0 and 1.',
    );
  }
  if (threshold.threshold === undefined) return undefined;
  const text = semanticQueryText(request.body, cache.config.semanticMaxMessages);
  if (text === undefined) return undefined;
  const scope = await semanticScope(c.get('auth').tenantId, request.model, request.body);
  return semanticLookup(semantic, cache.store, { scope, text, threshold: threshold.threshold });
}

/**
 * A hit costs one request against the key's limits and no tokens (decision 3): nothing was
 * generated, so the token bucket is not charged and the usage row has zero tokens (K6).
 */
async function serveHit(
  c: Context<AppEnv>,
  deps: GatewayDeps,
  request: CachedRequest,
  /** The entry that answers, for `x-switchyard-cache-key`. */
  kvKey: string,
  answer: CachedAnswer,
  status: 'hit-exact' | 'hit-semantic',
  similarity?: number,
): Promise<Response> {
  const draft = c.get('usage');
  const stream = request.body.stream === true;
  // The handler recorded the requested name; the served model is the stored answer's.
  Object.assign(draft, {
    servedModel: answer.model,
    stream,
    cache: { status, tokensSaved: answer.usage.total_tokens },
  });
  const limitHeaders = await admitRequest(c, deps, {
    promptChars: 0,
    maxTokens: undefined,
    n: 1,
    generates: false,
  });
  const requestId = c.get('requestId').replace(/^req_/, '');
  const ctx = {
    id: `${request.endpoint === 'chat' ? 'chatcmpl' : 'cmpl'}-${requestId}`,
    createdSeconds: Math.floor(deps.clock.nowMs() / 1000),
    model: request.model,
  };
  const headers: Record<string, string> = {
    ...limitHeaders,
    'x-switchyard-model': answer.model,
    [header.status]: status,
    [header.key]: kvKey,
    ...(similarity !== undefined && { [header.similarity]: similarity.toFixed(4) }),
  };
  if (!stream) {
    return new Response(JSON.stringify(replayJson(answer, ctx)), {
      status: 200,
      headers: { ...headers, 'content-type': 'application/json' },
    });
  }
  const options = request.body.stream_options as { include_usage?: unknown } | null | undefined;
  return new Response(replaySse(answer, ctx, { includeUsage: options?.include_usage === true }), {
    status: 200,
    headers: {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    },
  });
}
