import { replica } from './harness';

/**
 * Hand-rolled engines for forwarding tests: one `originFetch` whose behaviour is chosen per
 * replica (the request URL's host names it), recording every call with its start, its end and
 * when its request signal aborted.
 */
export interface OriginCall {
  replicaId: string;
  requestId: string;
  body: Record<string, unknown>;
  startedAt: number;
  abortedAt?: number;
}

export type Behaviour = (call: OriginCall, signal: AbortSignal) => Promise<Response>;

let order = 0;
/** A strictly increasing tick, so "before" is never a tie of wall-clock milliseconds. */
export const tick = () => (order += 1);

export function pool(count: number) {
  return Array.from({ length: count }, (_, i) =>
    replica({ replicaId: `r${i + 1}`, url: `http://r${i + 1}.test` }),
  );
}

export function scriptedOrigin(behaviour: (replicaId: string) => Behaviour) {
  const calls: OriginCall[] = [];
  const fetch = async (request: Request) => {
    const call: OriginCall = {
      replicaId: new URL(request.url).hostname.split('.')[0] ?? '',
      requestId: request.headers.get('x-request-id') ?? '',
      body: await request.clone().json<Record<string, unknown>>(),
      startedAt: tick(),
    };
    calls.push(call);
    request.signal.addEventListener('abort', () => {
      call.abortedAt = tick();
    });
    return behaviour(call.replicaId)(call, request.signal);
  };
  const callsTo = (replicaId: string) => calls.filter((c) => c.replicaId === replicaId).length;
  return { calls, callsTo, fetch };
}

export const status =
  (code: number, headers: Record<string, string> = {}): Behaviour =>
  () =>
    Promise.resolve(
      new Response(JSON.stringify({ error: { message: `engine says ${code}` } }), {
        status: code,
        headers: { 'content-type': 'application/json', ...headers },
      }),
    );

export const ok: Behaviour = () =>
  Promise.resolve(
    Response.json({
      id: 'chatcmpl-x',
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    }),
  );

/** A short, complete stream: one token, a finish and [DONE]. */
export const okStream: Behaviour = () =>
  Promise.resolve(
    new Response(tokenChunk('hi') + finishAndDone, {
      headers: { 'content-type': 'text/event-stream' },
    }),
  );

/** Headers never come; the promise rejects when the gateway aborts the request. */
export const silent: Behaviour = (_call, signal) =>
  new Promise((_resolve, reject) =>
    signal.addEventListener('abort', () => reject(new Error('aborted'))),
  );

export const refused: Behaviour = () => Promise.reject(new TypeError('connection refused'));

export const tokenChunk = (content: string) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-x',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  })}\n\n`;

/**
 * A stream the test drives: `push` sends raw SSE text, `reset` breaks the connection, and
 * `cancelled` says whether the gateway cancelled the body.
 */
export function controlledStream() {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const state = { cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c;
    },
    cancel: () => {
      state.cancelled = true;
    },
  });
  return {
    state,
    push: (text: string) => controller.enqueue(encoder.encode(text)),
    reset: () => controller.error(new Error('connection reset')),
    end: () => controller.close(),
    response: () =>
      new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A well-formed ending: a finish_reason chunk, then [DONE]. */
export const finishAndDone = `data: ${JSON.stringify({
  id: 'chatcmpl-x',
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
})}\n\ndata: [DONE]\n\n`;
