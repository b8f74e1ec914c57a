import type { UsageAttemptRow, UsageEventRow, UsageStatus } from '../db/schema';

/** What the response cache did with a request (the `x-switchyard-cache` header says the same). */
export type CacheStatus = 'miss' | 'hit-exact' | 'hit-semantic' | 'bypass';
import type { ErrorCode } from '../errors';
import type { KeyPolicy, Rejection } from '../limits/key-limits';
import type { ModelPrice } from '../ports';
import type { Usage } from './openai-schemas';
import type { RelayEnd, RelayOutcome } from './sse-relay';

/**
 * What the request path learns about one client request, filled in as it goes (auth adds the key,
 * forwarding adds the replica and usage). Turned into exactly one usage row when the request ends.
 */
export interface UsageDraft {
  requestId: string;
  startedAtMs: number;
  endpoint: string;
  tenantId?: string;
  keyId?: string;
  tag?: string;
  requestedModel?: string;
  servedModel?: string;
  modelRevision?: string;
  replicaId?: string;
  stream: boolean;
  /** Rough prompt size, for an estimate when the engine reports no usage. */
  promptChars: number;
  usage?: Usage;
  /** Set when the response is a stream: resolves when the stream has ended, however it ended. */
  streamOutcome?: Promise<RelayOutcome>;
  /** The key's admission, settled with the real usage once the request ends. */
  lease?: { keyId: string; policy: KeyPolicy; leaseId: string };
  rateLimited?: Rejection;
  /** Upstream attempts; `durationMs` is filled in when the request ends if still open. */
  attempts: UsageAttemptRow[];
  /**
   * Only for keys that store payloads (RELIABILITY O2): the body as forwarded to the engine and,
   * for a JSON answer, the parsed answer. A stream's text arrives in the relay outcome instead.
   */
  payload?: { request: unknown; response?: unknown };
  /** Absent means the cache was not consulted (`bypass`). */
  cache?: { status: CacheStatus; tokensSaved: number };
  /** Set when a routed name (like `auto`) picked the tier that served the request. */
  route?: { tier: string; score: number };
}

export interface RequestEnd {
  httpStatus: number;
  errorCode: ErrorCode | undefined;
  endedAtMs: number;
  clientAborted: boolean;
  relay: RelayOutcome | undefined;
}

const relayStatus: Record<RelayEnd, UsageStatus> = {
  done: 'ok',
  upstream_error_event: 'midstream_error',
  upstream_truncated: 'midstream_error',
  upstream_timeout: 'midstream_error',
  client_cancelled: 'client_cancelled',
};

export function classifyStatus(end: RequestEnd): UsageStatus {
  if (end.relay) return relayStatus[end.relay.end];
  if (end.clientAborted) return 'client_cancelled';
  if (end.httpStatus < 400) return 'ok';
  if (end.httpStatus === 401 || end.httpStatus === 403) return 'auth_error';
  if (end.httpStatus < 500) return 'client_error';
  if (end.errorCode === 'no_replica_available') return 'upstream_unavailable';
  if (end.errorCode === 'internal_error') return 'internal_error';
  return 'upstream_error';
}

/** About four characters a token for English text; only used when the engine reported nothing. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/** What a request costs at the model's configured price per million tokens. */
export function costUsd(
  price: ModelPrice | undefined,
  promptTokens: number,
  completionTokens: number,
): number {
  if (price === undefined) return 0;
  return (
    (promptTokens * price.inputUsdPerMillion + completionTokens * price.outputUsdPerMillion) /
    1_000_000
  );
}

const cacheHit = (draft: UsageDraft) =>
  draft.cache?.status === 'hit-exact' || draft.cache?.status === 'hit-semantic';

export function buildUsageRow(
  draft: UsageDraft,
  end: RequestEnd,
  price?: ModelPrice,
): UsageEventRow & { promptTokens: number; completionTokens: number; costUsd: number } {
  const usage = end.relay?.usage ?? draft.usage;
  const generated = end.relay !== undefined && end.relay.contentChunks > 0;
  const estimated = usage === undefined && generated;
  const firstTokenAtMs = end.relay?.firstTokenAtMs;
  const promptTokens = usage?.prompt_tokens ?? (estimated ? estimateTokens(draft.promptChars) : 0);
  const completionTokens =
    usage?.completion_tokens ?? (estimated ? (end.relay?.contentChunks ?? 0) : 0);
  return {
    requestId: draft.requestId,
    createdAtMs: draft.startedAtMs,
    tenantId: draft.tenantId ?? null,
    keyId: draft.keyId ?? null,
    tag: draft.tag ?? null,
    endpoint: draft.endpoint,
    requestedModel: draft.requestedModel ?? null,
    servedModel: draft.servedModel ?? null,
    modelRevision: draft.modelRevision ?? null,
    replicaId: draft.replicaId ?? null,
    stream: draft.stream,
    status: classifyStatus(end),
    httpStatus: end.httpStatus,
    errorCode: end.errorCode ?? null,
    promptTokens,
    completionTokens,
    // A cache hit generated nothing, so it costs nothing; what it saved is counted instead.
    costUsd: cacheHit(draft) ? 0 : costUsd(price, promptTokens, completionTokens),
    cacheStatus: draft.cache?.status ?? 'bypass',
    tokensSaved: draft.cache?.tokensSaved ?? 0,
    routeTier: draft.route?.tier ?? null,
    routeScore: draft.route?.score ?? null,
    rateLimited: draft.rateLimited ?? null,
    tokensEstimated: estimated,
    ttftMs: firstTokenAtMs === undefined ? null : firstTokenAtMs - draft.startedAtMs,
    latencyMs: Math.max(0, end.endedAtMs - draft.startedAtMs),
  };
}

/** Closes the attempts still open when the request ended (the last one, for a stream). */
export function finishAttempts(
  attempts: readonly UsageAttemptRow[],
  end: RequestEnd,
): UsageAttemptRow[] {
  return attempts.map((attempt, index) => {
    const isLast = index === attempts.length - 1;
    return {
      ...attempt,
      durationMs: attempt.durationMs ?? Math.max(0, end.endedAtMs - attempt.startedAtMs),
      outcome: isLast && end.relay ? end.relay.end : attempt.outcome,
    };
  });
}
