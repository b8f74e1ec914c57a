export const sidecarErrorCodes = [
  'unauthorized',
  'replica_not_ready',
  'overloaded',
  'engine_unreachable',
  'not_found',
  'internal_error',
] as const;
export type SidecarErrorCode = (typeof sidecarErrorCodes)[number];

/** Status and OpenAI error `type` for every code; the edge classifies retries by status (R2). */
const errorTable: Record<SidecarErrorCode, { status: number; type: string }> = {
  unauthorized: { status: 401, type: 'authentication_error' },
  replica_not_ready: { status: 503, type: 'server_error' },
  // 429, not 503: the replica is healthy, only full; the edge tries another one (R2).
  overloaded: { status: 429, type: 'rate_limit_error' },
  engine_unreachable: { status: 502, type: 'server_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  internal_error: { status: 500, type: 'server_error' },
};

/** The one error the sidecar's HTTP layer throws; `onError` turns it into the OpenAI envelope. */
export class SidecarError extends Error {
  constructor(
    readonly code: SidecarErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'SidecarError';
  }
}

export interface OpenAiErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string };
}

export function errorEnvelope(code: SidecarErrorCode, message: string): OpenAiErrorEnvelope {
  return { error: { message, type: errorTable[code].type, param: null, code } };
}

/** The only way the sidecar answers with an error. */
export function errorResponse(error: SidecarError): Response {
  const headers = new Headers({ 'content-type': 'application/json' });
  if (error.retryAfterSeconds !== undefined) {
    headers.set('retry-after', String(error.retryAfterSeconds));
  }
  return new Response(JSON.stringify(errorEnvelope(error.code, error.message)), {
    status: errorTable[error.code].status,
    headers,
  });
}
