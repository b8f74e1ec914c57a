import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { GatewayError } from '../errors';

const maxMessageChars = 500;

function engineMessage(bodyText: string): string | undefined {
  try {
    const parsed = JSON.parse(bodyText) as { error?: { message?: unknown }; message?: unknown };
    const message = parsed.error?.message ?? parsed.message;
    return typeof message === 'string' ? message.slice(0, maxMessageChars) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Translates an engine's error response into the gateway's error. A 4xx is about the request
 * (prompt too long, bad parameter), so its message reaches the client with the same status. A 5xx
 * or anything unexpected says only that the model server failed: its text may carry internals
 * (RELIABILITY V3, OWASP API3).
 */
/** An engine's Retry-After is honoured, but never beyond this (RELIABILITY L1, R6). */
export const maxRetryAfterSeconds = 30;

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), capped; 1 when absent. */
export function retryAfterSeconds(header: string | null, nowMs: number): number {
  if (header === null) return 1;
  const seconds = /^\d+$/.test(header.trim())
    ? Number(header)
    : (Date.parse(header) - nowMs) / 1000;
  if (!Number.isFinite(seconds)) return 1;
  return Math.min(maxRetryAfterSeconds, Math.max(1, Math.ceil(seconds)));
}

export function upstreamError(
  status: number,
  bodyText: string,
  retryAfter: string | null,
  nowMs: number,
): GatewayError {
  if (status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 429) {
    const message = engineMessage(bodyText) ?? `The model server rejected the request (${status}).`;
    if (status === 404) return new GatewayError('model_not_found', message);
    return new GatewayError('invalid_request', message, { status: status as ContentfulStatusCode });
  }
  if (status === 503 || status === 429) {
    return new GatewayError(
      'no_replica_available',
      'The model server is busy. Try again shortly.',
      {
        retryAfterSeconds: retryAfterSeconds(retryAfter, nowMs),
      },
    );
  }
  return new GatewayError('upstream_error', `The model server failed to answer (${status}).`);
}
