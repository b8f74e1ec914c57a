import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { cacheSalt } from '../core/cache-salt';
import { captureMaxChars } from '../core/payload-row';
import { chooseReplica, isLive, type ChoiceResult } from '../core/replica-choice';
import { judgeAttempt, mayRetry } from '../core/retry-policy';
import { GatewayError } from '../errors';
import type { GatewayDeps, ReplicaView } from '../ports';
import { runAttempt, type AttemptContext } from './attempt';
import { wakeAndWait } from './wake';

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

/**
 * Sends an API request to the pool and returns the client's response. Attempts go to one replica
 * after another until one answers, only before the first byte reached the client (RELIABILITY
 * R2, R3): each retry needs a retryable failure, an untried admissible replica, a slot in the
 * isolate's retry budget (R5) and a client still there (C3). Each attempt is a usage_attempts row.
 */
export async function forwardToOrigin(
  c: Context<AppEnv>,
  deps: GatewayDeps,
  input: ForwardInput,
): Promise<Response> {
  const draft = c.get('usage');
  const policy = deps.config.forwarding;
  let replicas = await deps.pool.snapshot();
  const tried = new Set<string>();
  const choose = (): ChoiceResult => {
    const nowMs = deps.clock.nowMs();
    return chooseReplica({
      replicas,
      model: input.model,
      prefixKey: input.prefixKey,
      nowMs,
      staleMs: deps.config.heartbeatStaleMs,
      inFlight: (replicaId) => deps.inFlight.get(replicaId),
      rng: deps.rng,
      admissible: (replicaId) => !tried.has(replicaId) && deps.health.admits(replicaId, nowMs),
    });
  };
  let first = choose();
  if (first.kind === 'none_ready') {
    const woken = await wakeAndWait(deps, {
      model: input.model,
      replicas,
      requestId: c.get('requestId'),
      signal: c.req.raw.signal,
    });
    if (woken !== undefined) {
      replicas = woken;
      first = choose();
    }
  }
  if (first.kind === 'unknown_model') {
    throw new GatewayError('model_not_found', `The model '${input.model}' does not exist.`, {
      param: 'model',
    });
  }
  if (first.kind === 'none_ready') {
    throw new GatewayError(
      'no_replica_available',
      `No replica of '${input.model}' is ready to serve. Try again shortly.`,
      { retryAfterSeconds: 1 },
    );
  }
  draft.servedModel = input.model;
  draft.replicaId = first.replica.replicaId;
  draft.modelRevision = first.replica.modelRevision;
  const rateLimitHeaders = await input.admit();
  const body = await engineBody(input, policy.cacheSalt ? draft.tenantId : undefined);
  // Only keys that opted in keep what was sent (RELIABILITY O2); it is redacted when stored.
  if (c.get('auth').logPayloads) draft.payload = { request: body };

  const peers = () => {
    const nowMs = deps.clock.nowMs();
    return replicas
      .filter((r) => r.models.includes(input.model) && r.state === 'ready')
      .filter((r) => isLive(r, nowMs, deps.config.heartbeatStaleMs))
      .map((r) => r.replicaId);
  };
  const ctx: AttemptContext = {
    deps,
    draft,
    deadlineAtMs: draft.startedAtMs + policy.requestDeadlineMs,
    requestId: c.get('requestId'),
    path: input.path,
    bodyText: JSON.stringify(body),
    stream: input.stream,
    clientWantsUsage: input.clientWantsUsage,
    clientSignal: c.req.raw.signal,
    headers: { ...rateLimitHeaders, 'x-switchyard-model': input.model },
    captureTextChars: draft.payload === undefined ? undefined : captureMaxChars,
    // After the first byte nothing is retried, but a broken stream still says something about
    // the replica; a client leaving or a slow stream says nothing (H1).
    onStreamEnd: (replicaId, end) => {
      if (end === 'upstream_truncated' || end === 'upstream_error_event') {
        deps.health.report(replicaId, 'failure', deps.clock.nowMs(), peers());
      }
    },
  };

  const leave = deps.retryBudget.enter();
  try {
    let replica: ReplicaView = first.replica;
    let releaseRetry: (() => void) | undefined;
    for (let attempt = 1; ; attempt += 1) {
      if (c.req.raw.signal.aborted) {
        throw new GatewayError('request_cancelled', 'The client closed the request.');
      }
      tried.add(replica.replicaId);
      deps.health.dispatched(replica.replicaId, deps.clock.nowMs());
      const result = await runAttempt(ctx, replica, attempt);
      releaseRetry?.();
      const judgement =
        result.kind === 'answered'
          ? judgeAttempt('ok', 200)
          : judgeAttempt(result.outcome, result.httpStatus);
      deps.health.report(replica.replicaId, judgement.health, deps.clock.nowMs(), peers());
      if (result.kind === 'answered') return result.response;
      if (result.retryAfterMs !== undefined) {
        deps.health.retryAfter(replica.replicaId, deps.clock.nowMs() + result.retryAfterMs);
      }
      const again = mayRetry({
        deadlinePassed: deps.clock.nowMs() >= ctx.deadlineAtMs,
        retryable: judgement.retryable,
        attemptsSoFar: attempt,
        maxAttempts: policy.maxAttempts,
        clientGone: c.req.raw.signal.aborted,
      });
      const next = again ? choose() : undefined;
      releaseRetry = next?.kind === 'chosen' ? deps.retryBudget.tryRetry() : undefined;
      if (next?.kind !== 'chosen' || releaseRetry === undefined) throw result.error;
      replica = next.replica;
    }
  } finally {
    leave();
  }
}

/**
 * What the engine receives: the client's body, plus usage always asked for on streams (the relay
 * strips it if the client did not ask) and the tenant's cache salt on generating endpoints.
 */
async function engineBody(
  input: ForwardInput,
  tenantId: string | undefined,
): Promise<Record<string, unknown>> {
  const salted = tenantId !== undefined && input.path !== '/v1/embeddings';
  return {
    ...input.body,
    ...(input.stream && {
      stream_options: { ...asObject(input.body.stream_options), include_usage: true },
    }),
    ...(salted && { cache_salt: await cacheSalt(tenantId) }),
  };
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
