import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every error the gateway itself produces. Upstream errors are translated into one of these. */
export type ErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'forbidden_parameter'
  | 'payload_too_large'
  | 'missing_api_key'
  | 'invalid_api_key'
  | 'invalid_signature'
  | 'admin_disabled'
  | 'invalid_admin_token'
  | 'cross_origin_request'
  | 'not_found'
  | 'stale_heartbeat'
  | 'model_not_found'
  | 'model_not_allowed'
  | 'route_not_found'
  | 'rate_limit_exceeded'
  | 'budget_exceeded'
  | 'max_tokens_exceeds_policy'
  | 'no_replica_available'
  | 'upstream_error'
  | 'upstream_unreachable'
  | 'upstream_timeout'
  | 'request_cancelled'
  | 'internal_error';

/** OpenAI's `error.type` values; the official clients pick exception classes by status instead. */
type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'not_found_error'
  | 'server_error'
  | 'service_unavailable_error';

interface ErrorSpec {
  status: ContentfulStatusCode;
  type: ErrorType;
}

export const errorSpecs: Record<ErrorCode, ErrorSpec> = {
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  forbidden_parameter: { status: 400, type: 'invalid_request_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  missing_api_key: { status: 401, type: 'authentication_error' },
  invalid_api_key: { status: 401, type: 'authentication_error' },
  invalid_signature: { status: 401, type: 'authentication_error' },
  admin_disabled: { status: 403, type: 'permission_error' },
  invalid_admin_token: { status: 401, type: 'authentication_error' },
  cross_origin_request: { status: 403, type: 'permission_error' },
  not_found: { status: 404, type: 'not_found_error' },
  stale_heartbeat: { status: 409, type: 'invalid_request_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  // The key's allowed models do not include the name asked for (api_keys.allowed_models).
  model_not_allowed: { status: 403, type: 'permission_error' },
  route_not_found: { status: 404, type: 'not_found_error' },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  budget_exceeded: { status: 429, type: 'insufficient_quota' },
  max_tokens_exceeds_policy: { status: 400, type: 'invalid_request_error' },
  no_replica_available: { status: 503, type: 'service_unavailable_error' },
  upstream_error: { status: 502, type: 'server_error' },
  upstream_unreachable: { status: 502, type: 'server_error' },
  upstream_timeout: { status: 504, type: 'server_error' },
  // Nobody reads it: the client has gone. It only names the error in the usage row.
  request_cancelled: { status: 400, type: 'invalid_request_error' },
  internal_error: { status: 500, type: 'server_error' },
};

export interface ErrorEnvelope {
  error: { message: string; type: ErrorType; param: string | null; code: ErrorCode };
}

/** The one error class of the edge. `retryAfterSeconds` becomes a `Retry-After` header. */
export class GatewayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: {
      param?: string;
      retryAfterSeconds?: number;
      status?: ContentfulStatusCode;
      /** Extra response headers, such as the `x-ratelimit-*` set on a 429. */
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  get status(): ContentfulStatusCode {
    return this.options.status ?? errorSpecs[this.code].status;
  }
}

export function errorEnvelope(error: GatewayError): ErrorEnvelope {
  return {
    error: {
      message: error.message,
      type: errorSpecs[error.code].type,
      param: error.options.param ?? null,
      code: error.code,
    },
  };
}

/** The OpenAI error envelope as a Response; used by onError, notFound and the validators. */
export function errorResponse(error: GatewayError): Response {
  const allHeaders = new Headers({ ...error.options.headers, 'content-type': 'application/json' });
  if (error.options.retryAfterSeconds !== undefined) {
    allHeaders.set('retry-after', String(Math.max(1, Math.ceil(error.options.retryAfterSeconds))));
  }
  return new Response(JSON.stringify(errorEnvelope(error)), {
    status: error.status,
    headers: allHeaders,
  });
}

/**
 * Everything thrown in the request path becomes a GatewayError. Hono's own HTTPExceptions come
 * from its body-limit and JSON parsing; anything else is a bug and is reported without details.
 */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof HTTPException) {
    if (error.status === 413) {
      return new GatewayError('payload_too_large', 'The request body is too large.');
    }
    if (error.status === 400) {
      return new GatewayError('invalid_json', 'The request body is not valid JSON.');
    }
  }
  return new GatewayError('internal_error', 'The gateway failed to process the request.');
}
