/** Every way a simulator request can fail, and how each one reaches the client. */
export type SimErrorCode =
  | 'bad_request'
  | 'context_length_exceeded'
  | 'model_not_found'
  | 'route_not_found'
  | 'engine_sleeping'
  | 'shutting_down'
  | 'queue_full'
  | 'injected_fault'
  | 'client_closed'
  | 'internal';

interface ErrorKind {
  status: number;
  /** vLLM's `error.type`: the Python exception name, which the `openai` client maps by status. */
  type: string;
}

/** One exhaustive table from code to status and type: adding a code without a row does not compile. */
const errorKinds: Record<SimErrorCode, ErrorKind> = {
  bad_request: { status: 400, type: 'BadRequestError' },
  context_length_exceeded: { status: 400, type: 'BadRequestError' },
  model_not_found: { status: 404, type: 'NotFoundError' },
  route_not_found: { status: 404, type: 'NotFoundError' },
  engine_sleeping: { status: 503, type: 'ServiceUnavailableError' },
  shutting_down: { status: 503, type: 'ServiceUnavailableError' },
  // vLLM itself queues without bound; the simulator can bound its queue to exercise 429 paths.
  queue_full: { status: 429, type: 'TooManyRequestsError' },
  // The status is whatever the fault asked for; 500 is only the default.
  injected_fault: { status: 500, type: 'InternalServerError' },
  // nginx's "client closed request": nobody reads it, but logs and tests can tell it apart.
  client_closed: { status: 499, type: 'ClientClosedRequest' },
  internal: { status: 500, type: 'InternalServerError' },
};

/** The single error class of the simulator; `onError` turns it into the envelope below. */
export class SimError extends Error {
  override readonly name = 'SimError';

  constructor(
    readonly code: SimErrorCode,
    message: string,
    readonly param: string | null = null,
    readonly options: { status?: number; retryAfterSeconds?: number } = {},
  ) {
    super(message);
  }

  get status(): number {
    return this.options.status ?? errorKinds[this.code].status;
  }
}

/** vLLM's error body: the OpenAI envelope with the HTTP status as a number in `code`. */
export interface ErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: number };
}

export function errorEnvelope(error: SimError): ErrorEnvelope {
  const kind = errorKinds[error.code];
  return {
    error: { message: error.message, type: kind.type, param: error.param, code: error.status },
  };
}

/** The one function that renders an error response, used by `onError`, `notFound` and validators. */
export function errorResponse(error: SimError): Response {
  const { retryAfterSeconds } = error.options;
  return Response.json(errorEnvelope(error), {
    status: error.status,
    headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
  });
}
