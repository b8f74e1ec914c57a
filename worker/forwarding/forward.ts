import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { cacheSalt } from '../core/cache-salt';
import { captureMaxChars } from '../core/payload-row';
import { chooseReplica, isLive, poolSaturated, type ChoiceResult } from '../core/replica-choice';
import { judgeAttempt, mayRetry } from '../core/retry-policy';
import { isObject } from '../core/stream-chunk';
import { GatewayError } from '../errors';
import type { GatewayDeps, ReplicaView, SpilloverProvider } from '../ports';
import { replicaTarget, runAttempt, type AttemptContext } from './attempt';
import { providerTarget } from './spillover';
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
  const provider = deps.providers.forModel(input.model);
  let replicas = await deps.pool.snapshot();
  const tried = new Set<string>();
  const admissible = (replicaId: string) =>
    !tried.has(replicaId) && deps.health.admits(replicaId, deps.clock.nowMs());
  const choose = (): ChoiceResult =>
    chooseReplica({
      replicas,
      model: input.model,
      prefixKey: input.prefixKey,
      nowMs: deps.clock.nowMs(),
      staleMs: deps.config.heartbeatStaleMs,
      inFlight: (replicaId) => deps.inFlight.get(replicaId),
      loadFactor: policy.loadFactor,
      rng: deps.rng,
      admissible,
    });
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
  const route = routeOf(first, provider, input.model, () =>
    poolSaturated({
      replicas,
      model: input.model,
      nowMs: deps.clock.nowMs(),
      staleMs: deps.config.heartbeatStaleMs,
      admissible,
    }),
  );
  draft.servedModel = input.model;
  if (route.kind === 'pool') {
    draft.replicaId = route.replica.replicaId;
    draft.modelRevision = route.replica.modelRevision;
  }
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
    stream: input.stream,
    clientWantsUsage: input.clientWantsUsage,
    clientSignal: c.req.raw.signal,
    headers: { ...rateLimitHeaders, 'x-switchyard-model': input.model },
    captureTextChars: draft.payload === undefined ? undefined : captureMaxChars,
    // After the first byte nothing is retried, but a broken stream still says something about
    // the replica; a client leaving or a slow stream says nothing (H1). Providers have no health.
    onStreamEnd: (targetId, end) => {
      if (tried.has(targetId) && (end === 'upstream_truncated' || end === 'upstream_error_event')) {
        deps.health.report(targetId, 'failure', deps.clock.nowMs(), peers());
      }
    },
  };
  const spillover = (spilled: SpilloverProvider, attempt: number) =>
    runAttempt(
      ctx,
      providerTarget(spilled, { path: input.path, body, stream: input.stream }),
      attempt,
    );
  const bodyText = JSON.stringify(body);
  const target = (replica: ReplicaView) =>
    replicaTarget(replica, {
      path: input.path,
      bodyText,
      stream: input.stream,
      requestId: ctx.requestId,
      poolSecret: deps.config.poolSecret,
    });

  if (route.kind === 'provider') {
    const result = await spillover(route.provider, 1);
    if (result.kind === 'answered') return result.response;
    throw result.error;
  }

  const leave = deps.retryBudget.enter();
  try {
    let replica: ReplicaView = route.replica;
    let releaseRetry: (() => void) | undefined;
    for (let attempt = 1; ; attempt += 1) {
      if (c.req.raw.signal.aborted) {
        throw new GatewayError('request_cancelled', 'The client closed the request.');
      }
      tried.add(replica.replicaId);
      deps.health.dispatched(replica.replicaId, deps.clock.nowMs());
      const result = await runAttempt(ctx, target(replica), attempt);
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
      if (next?.kind !== 'chosen') {
        // The pool could not serve a request it may retry: its provider is one more place.
        if (again && provider !== undefined) {
          const spilled = await spillover(provider, attempt + 1).then((r) =>
            r.kind === 'answered' ? r : undefined,
          );
          if (spilled !== undefined) return spilled.response;
        }
        throw result.error;
      }
      releaseRetry = deps.retryBudget.tryRetry();
      if (releaseRetry === undefined) throw result.error;
      replica = next.replica;
    }
  } finally {
    leave();
  }
}

type Route =
  { kind: 'pool'; replica: ReplicaView } | { kind: 'provider'; provider: SpilloverProvider };

/**
 * The pool first; the model's provider when the pool has no ready replica or every one is
 * queueing; else 404 for a model nobody serves and 503 for one whose replicas are all down.
 */
function routeOf(
  first: ChoiceResult,
  provider: SpilloverProvider | undefined,
  model: string,
  saturated: () => boolean,
): Route {
  if (first.kind === 'chosen' && (provider === undefined || !saturated())) {
    return { kind: 'pool', replica: first.replica };
  }
  if (provider !== undefined) return { kind: 'provider', provider };
  if (first.kind === 'unknown_model') {
    throw new GatewayError('model_not_found', `The model '${model}' does not exist.`, {
      param: 'model',
    });
  }
  throw new GatewayError(
    'no_replica_available',
    `No replica of '${model}' is ready to serve. Try again shortly.`,
    { retryAfterSeconds: 1 },
  );
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
      stream_options: {
        ...(isObject(input.body.stream_options) ? input.body.stream_options : {}),
        include_usage: true,
      },
    }),
    ...(salted && { cache_salt: await cacheSalt(tenantId) }),
  };
}
