import { usageSchema } from '../core/openai-schemas';
import { relaySse } from '../core/sse-relay';
import { isObject, readChunk } from '../core/stream-chunk';
import { clippedWaitMs, type AttemptOutcome } from '../core/retry-policy';
import type { UsageDraft } from '../core/usage-row';
import type { UsageAttemptRow } from '../db/schema';
import { GatewayError } from '../errors';
import type { GatewayDeps, ReplicaView } from '../ports';
import { buildOriginRequest } from './origin-request';
import { readCapped } from './read-capped';
import { peekFirstEvent } from './stream-peek';
import { startTimer } from './timer';
import { upstreamError, retryAfterSeconds } from './upstream-error';

/** Largest non-streamed engine answer the edge accepts (RELIABILITY V3). */
const maxUpstreamBodyBytes = 16 * 1024 * 1024;
/** Enough for any engine error message; the rest is not read. */
const maxErrorBodyBytes = 64 * 1024;

export interface AttemptContext {
  deps: GatewayDeps;
  draft: UsageDraft;
  /** The request's deadline (R6): stream waits before the first byte are clipped to it. */
  deadlineAtMs: number;
  requestId: string;
  stream: boolean;
  clientWantsUsage: boolean;
  clientSignal: AbortSignal;
  /** Rate-limit and model headers for the client's response. */
  headers: Record<string, string>;
  captureTextChars: number | undefined;
  /** A committed stream ended: how, for the replica's health. */
  onStreamEnd: (replicaId: string, end: string) => void;
}

/**
 * Where an attempt goes: a pool replica (signed with the pool secret) or a spillover provider
 * (with the provider's key). `id` names it in usage rows and `x-switchyard-replica`.
 */
export interface AttemptTarget {
  id: string;
  modelRevision?: string;
  request(signal: AbortSignal, nowMs: number): Promise<Request>;
}

/** A pool replica as an attempt target: the body as the engine takes it, the edge's credential. */
export function replicaTarget(
  replica: ReplicaView,
  input: { path: string; bodyText: string; stream: boolean; requestId: string; poolSecret: string },
): AttemptTarget {
  return {
    id: replica.replicaId,
    modelRevision: replica.modelRevision,
    request: (signal, nowMs) =>
      buildOriginRequest({
        replicaUrl: replica.url,
        path: input.path,
        body: input.bodyText,
        stream: input.stream,
        requestId: input.requestId,
        poolSecret: input.poolSecret,
        nowMs,
        signal,
      }),
  };
}

export type AttemptResult =
  | { kind: 'answered'; response: Response }
  | {
      kind: 'failed';
      outcome: AttemptOutcome;
      httpStatus: number;
      error: GatewayError;
      /** From a 429's Retry-After: the replica takes nothing before then (R6). */
      retryAfterMs?: number;
    };

/**
 * One attempt on one replica: headers under the connect timer, then for streams the first event
 * under the first-byte timer. A failed attempt is aborted before this returns, so a retry never
 * runs beside it (RELIABILITY R4). Once the client gets a response, this attempt owns the request.
 */
export async function runAttempt(
  ctx: AttemptContext,
  target: AttemptTarget,
  attemptNumber: number,
): Promise<AttemptResult> {
  const { deps } = ctx;
  const policy = deps.config.forwarding;
  const startedAtMs = deps.clock.nowMs();
  const row: UsageAttemptRow = {
    requestId: ctx.requestId,
    attempt: attemptNumber,
    replicaId: target.id,
    startedAtMs,
    httpStatus: 0,
    outcome: 'unreachable',
    ttfbMs: null,
    durationMs: null,
  };
  ctx.draft.attempts.push(row);
  ctx.draft.replicaId = target.id;
  ctx.draft.modelRevision = target.modelRevision;
  const abort = new AbortController();
  const onClientGone = () => abort.abort();
  ctx.clientSignal.addEventListener('abort', onClientGone);
  const release = deps.inFlight.acquire(target.id);
  const cleanup = () => {
    release();
    ctx.clientSignal.removeEventListener('abort', onClientGone);
  };
  const fail = (
    outcome: AttemptOutcome,
    error: GatewayError,
    retryAfterMs?: number,
  ): AttemptResult => {
    const clientGone = ctx.clientSignal.aborted;
    row.outcome = clientGone ? 'client_cancelled' : outcome;
    row.durationMs = deps.clock.nowMs() - startedAtMs;
    abort.abort();
    cleanup();
    return {
      kind: 'failed',
      outcome: clientGone ? 'client_cancelled' : outcome,
      httpStatus: row.httpStatus,
      error,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    };
  };

  const request = await target.request(abort.signal, startedAtMs);
  // A stream's headers come before prefill; a non-streamed answer's only when it is complete.
  const timer = startTimer(
    ctx.stream
      ? clippedWaitMs(policy.connectTimeoutMs, ctx.deadlineAtMs, startedAtMs)
      : policy.responseTimeoutMs,
  );
  let upstream: Response | 'timeout';
  try {
    upstream = await Promise.race([
      deps.originFetch(request),
      timer.expired.then(() => 'timeout' as const),
    ]);
  } catch (error) {
    deps.logger.warn('origin unreachable', { replicaId: target.id, error: String(error) });
    return fail(
      'unreachable',
      new GatewayError('upstream_unreachable', 'The model server could not be reached.'),
    );
  } finally {
    if (ctx.stream) timer.cancel();
  }
  const timedOut = () =>
    fail(
      ctx.stream ? 'headers_timeout' : 'response_timeout',
      new GatewayError('upstream_timeout', 'The model server did not answer in time.'),
    );
  if (upstream === 'timeout') return timedOut();

  row.httpStatus = upstream.status;
  row.ttfbMs = deps.clock.nowMs() - startedAtMs;
  row.outcome = 'ok';
  const headers = { ...ctx.headers, 'x-switchyard-replica': target.id };

  const body = upstream.body as ReadableStream<Uint8Array> | null;
  if (!upstream.ok || body === null) {
    timer.cancel();
    const text = (await readCapped(body, maxErrorBodyBytes).catch(() => '')) ?? '';
    const retryAfter = upstream.headers.get('retry-after');
    const nowMs = deps.clock.nowMs();
    return fail(
      'upstream_status',
      upstreamError(upstream.status, text, retryAfter, nowMs),
      upstream.status === 429 && retryAfter !== null
        ? retryAfterSeconds(retryAfter, nowMs) * 1000
        : undefined,
    );
  }

  if (!ctx.stream) {
    // Nothing has reached the client yet: a connection lost while the body arrives is a reset
    // before the first byte (retryable, R2); a complete body that is not JSON is not.
    const text = await Promise.race([
      readCapped(body, maxUpstreamBodyBytes).catch(() => 'reset' as const),
      timer.expired.then(() => 'timeout' as const),
    ]);
    timer.cancel();
    if (text === 'timeout') return timedOut();
    if (text === 'reset') {
      return fail(
        'reset_before_first_byte',
        new GatewayError('upstream_error', 'The model server closed the connection mid-answer.'),
      );
    }
    const response = text === undefined ? undefined : jsonAnswer(ctx, text, headers);
    if (response === undefined) {
      return fail(
        'invalid_response',
        new GatewayError('upstream_error', 'The model server sent an invalid or oversized answer.'),
      );
    }
    cleanup();
    return { kind: 'answered', response };
  }

  if (!/^text\/event-stream\b/i.test(upstream.headers.get('content-type') ?? '')) {
    await body.cancel().catch(() => undefined);
    return fail(
      'not_a_stream',
      new GatewayError('upstream_error', 'The model server did not answer with a stream.'),
    );
  }

  const firstByteMs = clippedWaitMs(
    policy.firstByteTimeoutMs,
    ctx.deadlineAtMs,
    deps.clock.nowMs(),
  );
  const waitMs = Math.min(policy.keepaliveIntervalMs, firstByteMs);
  const peek = await peekFirstEvent(body, waitMs, startTimer);
  if (peek.kind === 'ended') {
    return fail(
      'reset_before_first_byte',
      new GatewayError('upstream_error', 'The model server closed the stream before answering.'),
    );
  }
  if (peek.kind === 'silent' && waitMs >= firstByteMs) {
    return fail(
      'first_byte_timeout',
      new GatewayError('upstream_timeout', 'The model server did not start answering in time.'),
    );
  }
  if (peek.kind === 'event' && readChunk(peek.firstData).kind === 'error') {
    return fail(
      'inband_error',
      new GatewayError('upstream_error', 'The model server failed before answering.'),
    );
  }

  const relay = relaySse(peek.body, {
    clientWantsUsage: ctx.clientWantsUsage,
    clock: deps.clock,
    onCancel: () => abort.abort(),
    clientSignal: ctx.clientSignal,
    captureTextChars: ctx.captureTextChars,
    timing: {
      timeouts: policy,
      waitedForFirstMs: peek.kind === 'silent' ? waitMs : 0,
      startTimer,
      onTimeout: () => abort.abort(),
    },
  });
  ctx.draft.streamOutcome = relay.outcome.then((outcome) => {
    cleanup();
    ctx.onStreamEnd(target.id, outcome.end);
    return outcome;
  });
  return {
    kind: 'answered',
    response: new Response(relay.body, {
      status: 200,
      headers: {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
      },
    }),
  };
}

/** The engine's JSON answer for the client, its usage noted; undefined when it is not JSON. */
function jsonAnswer(
  ctx: AttemptContext,
  text: string,
  headers: Record<string, string>,
): Response | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  // A completion is an object; `null`, a number or an array is no answer at all.
  if (!isObject(parsed)) return undefined;
  const usage = usageSchema.safeParse(parsed.usage);
  if (usage.success) ctx.draft.usage = usage.data;
  if (ctx.draft.payload !== undefined) ctx.draft.payload.response = parsed;
  return new Response(text, {
    status: 200,
    headers: { ...headers, 'content-type': 'application/json' },
  });
}
