import type { UsageEventRow, UsageStatus } from '../db/schema';
import type { ErrorCode } from '../errors';
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
  replicaId?: string;
  stream: boolean;
  /** Rough prompt size, for an estimate when the engine reports no usage. */
  promptChars: number;
  usage?: Usage;
  /** Set when the response is a stream: resolves when the stream has ended, however it ended. */
  streamOutcome?: Promise<RelayOutcome>;
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

export function buildUsageRow(draft: UsageDraft, end: RequestEnd): UsageEventRow {
  const usage = end.relay?.usage ?? draft.usage;
  const generated = end.relay !== undefined && end.relay.contentChunks > 0;
  const estimated = usage === undefined && generated;
  const firstTokenAtMs = end.relay?.firstTokenAtMs;
  return {
    requestId: draft.requestId,
    createdAtMs: draft.startedAtMs,
    tenantId: draft.tenantId ?? null,
    keyId: draft.keyId ?? null,
    tag: draft.tag ?? null,
    endpoint: draft.endpoint,
    requestedModel: draft.requestedModel ?? null,
    servedModel: draft.servedModel ?? null,
    replicaId: draft.replicaId ?? null,
    stream: draft.stream,
    status: classifyStatus(end),
    httpStatus: end.httpStatus,
    errorCode: end.errorCode ?? null,
    promptTokens: usage?.prompt_tokens ?? (estimated ? estimateTokens(draft.promptChars) : 0),
    completionTokens: usage?.completion_tokens ?? (estimated ? (end.relay?.contentChunks ?? 0) : 0),
    tokensEstimated: estimated,
    ttftMs: firstTokenAtMs === undefined ? null : firstTokenAtMs - draft.startedAtMs,
    latencyMs: Math.max(0, end.endedAtMs - draft.startedAtMs),
  };
}
