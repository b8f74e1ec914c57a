import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { chooseReplica } from '../core/replica-choice';
import { usageSchema } from '../core/openai-schemas';
import { captureMaxChars } from '../core/payload-row';
import { relaySse } from '../core/sse-relay';
import { GatewayError } from '../errors';
import type { GatewayDeps } from '../ports';
import { buildOriginRequest } from './origin-request';
import { readCapped } from './read-capped';
import { upstreamError } from './upstream-error';

export type OriginPath = '/v1/chat/completions' | '/v1/completions' | '/v1/embeddings';

export interface ForwardInput {
  path: OriginPath;
  model: string;
  /** The prompt prefix's routing key (core/prefix-key.ts), for cache affinity. */
  prefixKey: number;
  body: Record<string, unknown>;
  stream: boolean;
  /** Whether the client itself asked for the usage chunk (`stream_options.include_usage`). */
  clientWantsUsage: boolean;
  /**
   * Admission against the key's limits, run once a replica is known (so a 404 or 503 spends no
   * quota) and before anything is sent. Returns the rate-limit headers for the response.
   */
  admit: () => Promise<Record<string, string>>;
}

/** Largest non-streamed engine answer the edge accepts (RELIABILITY V3). */
const maxUpstreamBodyBytes = 16 * 1024 * 1024;
/** Enough for any engine error message; the rest is not read. */
const maxErrorBodyBytes = 64 * 1024;

/**
 * Sends one API request to a replica and returns the client's response: the SSE relay for
 * streams, the engine's JSON for the rest. Retries, failover and timers come with the routing
 * issue; here one replica is chosen and asked once.
 */
export async function forwardToOrigin(
  c: Context<AppEnv>,
  deps: GatewayDeps,
  input: ForwardInput,
): Promise<Response> {
  const draft = c.get('usage');
  const nowMs = deps.clock.nowMs();
  const choice = chooseReplica({
    replicas: await deps.pool.snapshot(),
    model: input.model,
    prefixKey: input.prefixKey,
    nowMs,
    staleMs: deps.config.heartbeatStaleMs,
    inFlight: (replicaId) => deps.inFlight.get(replicaId),
    rng: deps.rng,
  });
  if (choice.kind === 'unknown_model') {
    throw new GatewayError('model_not_found', `The model '${input.model}' does not exist.`, {
      param: 'model',
    });
  }
  if (choice.kind === 'none_ready') {
    throw new GatewayError(
      'no_replica_available',
      `No replica of '${input.model}' is ready to serve. Try again shortly.`,
      { retryAfterSeconds: 1 },
    );
  }
  const replica = choice.replica;
  draft.replicaId = replica.replicaId;
  draft.servedModel = input.model;
  draft.modelRevision = replica.modelRevision;
  const rateLimitHeaders = await input.admit();

  // The engine is always asked for usage on streams; the relay strips it if the client did not ask.
  const body = input.stream
    ? {
        ...input.body,
        stream_options: { ...asObject(input.body.stream_options), include_usage: true },
      }
    : input.body;
  // Only keys that opted in keep what was sent (RELIABILITY O2); it is redacted when stored.
  if (c.get('auth').logPayloads) draft.payload = { request: body };
  const abort = new AbortController();
  const onClientGone = () => abort.abort();
  c.req.raw.signal.addEventListener('abort', onClientGone);
  const release = deps.inFlight.acquire(replica.replicaId);
  const cleanup = () => {
    release();
    c.req.raw.signal.removeEventListener('abort', onClientGone);
  };

  const attempt = {
    requestId: c.get('requestId'),
    attempt: draft.attempts.length + 1,
    replicaId: replica.replicaId,
    startedAtMs: deps.clock.nowMs(),
    httpStatus: 0,
    outcome: 'unreachable',
    ttfbMs: null as number | null,
    durationMs: null as number | null,
  };
  draft.attempts.push(attempt);

  let upstream: Response;
  try {
    const request = await buildOriginRequest({
      replicaUrl: replica.url,
      path: input.path,
      body: JSON.stringify(body),
      stream: input.stream,
      requestId: c.get('requestId'),
      poolSecret: deps.config.poolSecret,
      nowMs,
      signal: abort.signal,
    });
    upstream = await deps.originFetch(request);
  } catch (error) {
    cleanup();
    attempt.durationMs = deps.clock.nowMs() - attempt.startedAtMs;
    deps.logger.warn('origin unreachable', { replicaId: replica.replicaId, error: String(error) });
    throw new GatewayError('upstream_unreachable', 'The model server could not be reached.');
  }

  attempt.httpStatus = upstream.status;
  attempt.ttfbMs = deps.clock.nowMs() - attempt.startedAtMs;
  attempt.outcome = upstream.ok ? 'ok' : 'upstream_status';
  const headers = {
    ...rateLimitHeaders,
    'x-switchyard-model': input.model,
    'x-switchyard-replica': replica.replicaId,
  };

  const upstreamBody = upstream.body as ReadableStream<Uint8Array> | null;
  if (!upstream.ok || upstreamBody === null) {
    const text = (await readCapped(upstreamBody, maxErrorBodyBytes).catch(() => '')) ?? '';
    cleanup();
    throw upstreamError(
      upstream.status,
      text,
      upstream.headers.get('retry-after'),
      deps.clock.nowMs(),
    );
  }

  if (input.stream && !/^text\/event-stream\b/i.test(upstream.headers.get('content-type') ?? '')) {
    await upstreamBody.cancel().catch(() => undefined);
    cleanup();
    attempt.outcome = 'not_a_stream';
    throw new GatewayError('upstream_error', 'The model server did not answer with a stream.');
  }

  if (input.stream) {
    const relay = relaySse(upstreamBody, {
      clientWantsUsage: input.clientWantsUsage,
      clock: deps.clock,
      onCancel: () => abort.abort(),
      clientSignal: c.req.raw.signal,
      captureTextChars: draft.payload === undefined ? undefined : captureMaxChars,
    });
    draft.streamOutcome = relay.outcome.finally(cleanup);
    return new Response(relay.body, {
      status: 200,
      headers: {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
      },
    });
  }

  try {
    const text = await readCapped(upstreamBody, maxUpstreamBodyBytes);
    if (text === undefined) {
      throw new GatewayError(
        'upstream_error',
        'The model server sent a response that is too large.',
      );
    }
    const parsed = JSON.parse(text) as { usage?: unknown };
    const usage = usageSchema.safeParse(parsed.usage);
    if (usage.success) draft.usage = usage.data;
    if (draft.payload !== undefined) draft.payload.response = parsed;
    return new Response(text, {
      status: 200,
      headers: { ...headers, 'content-type': 'application/json' },
    });
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw new GatewayError('upstream_error', 'The model server sent an invalid response.');
  } finally {
    cleanup();
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
