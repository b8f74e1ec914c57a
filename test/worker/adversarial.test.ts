import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Heartbeat } from '../../contracts/heartbeat';
import { sign } from '../../contracts/signature';
import type { GatewayApp } from '../../worker/app';
import type { OriginFetch } from '../../worker/ports';
import { createFakeOrigin, defaultScript } from './support/fake-origin';
import { createKey, jsonRequest, replica, staticPool, testApp, usageRow } from './support/harness';
import { chat, dataEvents } from './support/requests';

/**
 * Adversarial probes of the edge: bad client input, misbehaving origins, broken streams, client
 * cancellation and heartbeat replay. Tests that fail here expose defects; the rest pin behaviour
 * that must not regress.
 */

const encoder = new TextEncoder();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const contentChunk = (content: string) =>
  JSON.stringify({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'tiny',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  });
const stopChunk = JSON.stringify({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'tiny',
  choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
});

/** An origin whose answer the test writes by hand; records every request it sees. */
function scriptedOrigin(answer: (request: Request) => Response | Promise<Response>) {
  const requests: { request: Request; body: string }[] = [];
  const fetch: OriginFetch = async (request) => {
    requests.push({ request, body: await request.clone().text() });
    return answer(request);
  };
  return { fetch, requests };
}

function sse(text: string, headers: Record<string, string> = {}): Response {
  return new Response(text, {
    status: 200,
    headers: { 'content-type': 'text/event-stream', ...headers },
  });
}

/** A body that produces `totalBytes` in `piece`s, lazily, and counts what was pulled. */
function meteredBody(totalBytes: number, first: Uint8Array, piece: Uint8Array) {
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= totalBytes) {
        controller.close();
        return;
      }
      const next = sent === 0 ? first : piece;
      controller.enqueue(next);
      sent += next.byteLength;
    },
  });
  return { stream, pulled: () => sent };
}

/**
 * Sends one request like the harness does, but never hangs the test: the body read and the
 * waitUntil work (the usage row) are each given `settleMs`. `settled` is false when the usage
 * write never finished, which means no row will ever be written for this request.
 */
async function exchange(app: GatewayApp, path: string, init: RequestInit, settleMs = 3_000) {
  const ctx = createExecutionContext();
  const response = await app.request(path, init, {}, ctx);
  const text = await Promise.race([
    response.text().catch((error: unknown) => `<<body failed: ${String(error)}>>`),
    sleep(settleMs).then(() => '<<body never ended>>'),
  ]);
  const settled = await Promise.race([
    waitOnExecutionContext(ctx).then(() => true),
    sleep(settleMs).then(() => false),
  ]);
  return { response, text, settled, requestId: response.headers.get('x-request-id') };
}

async function keyed() {
  return (await createKey()).key;
}

describe('the SSE relay and malformed upstream chunks (RELIABILITY V3)', () => {
  it.each([
    ['data: null', 'null'],
    ['choices is a number', '{"choices":5}'],
    ['choices holds null', '{"choices":[null]}'],
    ['choices is a string', '{"choices":"abc"}'],
  ])(
    'ends the stream with an error event and writes a row when a chunk is valid JSON but %s',
    async (_name, data) => {
      const origin = scriptedOrigin(() =>
        sse(`data: ${contentChunk('Hi')}\n\ndata: ${data}\n\ndata: [DONE]\n\n`),
      );
      const { app } = testApp({ originFetch: origin.fetch });

      const { response, text, settled, requestId } = await exchange(
        app,
        '/v1/chat/completions',
        jsonRequest(await keyed(), chat({ stream: true })),
      );

      expect(response.status).toBe(200);
      // Today the relay throws inside pull(): the body errors and the usage write never settles.
      expect({ bodyEnded: !text.includes('<<body'), rowWritten: settled }).toEqual({
        bodyEnded: true,
        rowWritten: true,
      });
      const events = dataEvents(text);
      expect(events).not.toContain('[DONE]');
      expect(JSON.parse(events.at(-1) ?? '{}')).toMatchObject({ error: { type: 'server_error' } });
      expect(await usageRow(requestId)).toMatchObject({ status: 'midstream_error' });
    },
  );

  it('forwards an in-band engine error event in the OpenAI envelope, not verbatim', async () => {
    const origin = createFakeOrigin({ ...defaultScript, errorAfterTokens: 2 });
    const { app } = testApp({ originFetch: origin.fetch });

    const { text } = await exchange(
      app,
      '/v1/chat/completions',
      jsonRequest(await keyed(), chat({ stream: true })),
    );

    const last = JSON.parse(dataEvents(text).at(-1) ?? '{}') as { error: Record<string, unknown> };
    expect(Object.keys(last.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(last.error.type).toBe('server_error');
    expect(typeof last.error.code).toBe('string');
  });

  it('does not record a stream with no choices and no finish_reason as ok (S5)', async () => {
    const origin = scriptedOrigin(() => sse('data: [DONE]\n\n'));
    const { app } = testApp({ originFetch: origin.fetch });

    const { requestId } = await exchange(
      app,
      '/v1/chat/completions',
      jsonRequest(await keyed(), chat({ stream: true })),
    );

    expect((await usageRow(requestId))?.status).not.toBe('ok');
  });

  it.each([
    ['an HTML page', 'text/html; charset=utf-8', '<html><body>502 Bad Gateway</body></html>'],
    ['plain JSON', 'application/json', JSON.stringify({ object: 'chat.completion', choices: [] })],
  ])(
    'answers 502 in the envelope when a stream was asked for and the origin sent %s with 200',
    async (_name, contentType, body) => {
      const origin = scriptedOrigin(
        () => new Response(body, { status: 200, headers: { 'content-type': contentType } }),
      );
      const { app } = testApp({ originFetch: origin.fetch });

      const { response, text } = await exchange(
        app,
        '/v1/chat/completions',
        jsonRequest(await keyed(), chat({ stream: true })),
      );

      expect(response.status).toBe(502);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'upstream_error' } });
    },
  );

  it('stops reading an SSE event that never ends instead of buffering it without bound', async () => {
    const mb = 1 << 20;
    const body = meteredBody(
      40 * mb,
      encoder.encode('data: '),
      encoder.encode('x'.repeat(mb)), // no newline, ever
    );
    const origin = scriptedOrigin(
      () => new Response(body.stream, { headers: { 'content-type': 'text/event-stream' } }),
    );
    const { app } = testApp({ originFetch: origin.fetch });

    const { text } = await exchange(
      app,
      '/v1/chat/completions',
      jsonRequest(await keyed(), chat({ stream: true })),
      20_000,
    );

    expect(dataEvents(text).at(-1)).toContain('"error"');
    // Same cap as a non-streamed answer (16 MB), plus one piece in flight.
    expect(body.pulled()).toBeLessThanOrEqual(17 * mb);
  }, 30_000);
});

describe('non-streamed upstream answers', () => {
  it('stops reading a chunked (no Content-Length) answer once it passes the 16 MB cap', async () => {
    const mb = 1 << 20;
    const space = new Uint8Array(mb).fill(0x20);
    const body = meteredBody(40 * mb, space, space);
    const origin = scriptedOrigin(
      () => new Response(body.stream, { headers: { 'content-type': 'application/json' } }),
    );
    const { app } = testApp({ originFetch: origin.fetch });

    const { response } = await exchange(
      app,
      '/v1/chat/completions',
      jsonRequest(await keyed(), chat()),
      20_000,
    );

    expect(response.status).toBe(502);
    expect(body.pulled()).toBeLessThanOrEqual(17 * mb);
  }, 30_000);
});

describe('upstream Retry-After', () => {
  it('keeps the engine Retry-After (capped) when it translates an engine 429 (L1)', async () => {
    const origin = scriptedOrigin(
      () =>
        new Response('{"error":{"message":"full"}}', {
          status: 429,
          headers: { 'retry-after': '7' },
        }),
    );
    const { app } = testApp({ originFetch: origin.fetch });

    const { response } = await exchange(
      app,
      '/v1/chat/completions',
      jsonRequest(await keyed(), chat()),
    );

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
  });
});

describe('client input that must be a clean 4xx', () => {
  it('answers 400, not 500, for a deeply nested array in a content part', async () => {
    const depth = 100_000;
    const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const body = `{"model":"tiny","messages":[{"role":"user","content":[{"type":"text","text":${nested}}]}]}`;
    const origin = createFakeOrigin();
    const { app } = testApp({ originFetch: origin.fetch });

    const { response, text, requestId } = await exchange(
      app,
      '/v1/chat/completions',
      jsonRequest(await keyed(), body),
    );

    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect(origin.requests).toHaveLength(0);
    expect(await usageRow(requestId)).toMatchObject({ status: 'client_error' });
  });

  it('rejects a body that is not valid UTF-8 instead of forwarding U+FFFD (V1)', async () => {
    const origin = createFakeOrigin();
    const { app } = testApp({ originFetch: origin.fetch });
    const bytes = new Uint8Array([
      ...encoder.encode('{"model":"tiny","messages":[{"role":"user","content":"'),
      0xff,
      0xfe,
      ...encoder.encode('"}]}'),
    ]);

    const { response } = await exchange(app, '/v1/chat/completions', {
      ...jsonRequest(await keyed(), ''),
      body: bytes,
    });

    expect(response.status).toBe(400);
    expect(origin.requests).toHaveLength(0);
  });

  it('rejects destination-choosing fields nested in the body, not only at the top (A5)', async () => {
    const origin = createFakeOrigin();
    const { app } = testApp({ originFetch: origin.fetch });

    const { response } = await exchange(
      app,
      '/v1/chat/completions',
      jsonRequest(await keyed(), chat({ extra_body: { api_base: 'http://169.254.169.254' } })),
    );

    expect(response.status).toBe(400);
    expect(origin.requests).toHaveLength(0);
  });

  it('records the error code of an unmatched /v1 route in its usage row (O3)', async () => {
    const { app } = testApp({ originFetch: createFakeOrigin().fetch });

    const { response, text, requestId } = await exchange(app, '/v1/chat/completions', {
      method: 'GET',
      headers: { authorization: `Bearer ${await keyed()}` },
    });

    expect(response.status).toBe(404);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'route_not_found' } });
    expect(await usageRow(requestId)).toMatchObject({
      http_status: 404,
      error_code: 'route_not_found',
    });
  });
});

describe('heartbeat replay and reordering', () => {
  const heartbeat = (state: Heartbeat['state']): Heartbeat => ({
    replicaId: 'replay-1',
    url: 'http://127.0.0.1:9',
    models: ['replay-model'],
    state,
    running: 0,
    waiting: 0,
    kvCacheUsage: 0,
    tokensPerSecond: 0,
    version: 'test',
  });
  const post = (body: string, headers: Record<string, string>) =>
    exports.default.fetch('http://edge.test/internal/pool/heartbeat', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('never lets an older signed heartbeat override a newer one (replayed inside the window)', async () => {
    const now = Date.now();
    const ready = JSON.stringify(heartbeat('ready'));
    const readyHeaders = { ...(await sign('test-pool-secret', 'heartbeat', ready, now - 2_000)) };
    const stopped = JSON.stringify(heartbeat('stopped'));
    const stoppedHeaders = {
      ...(await sign('test-pool-secret', 'heartbeat', stopped, now - 1_000)),
    };

    expect((await post(ready, readyHeaders)).status).toBe(204);
    expect((await post(stopped, stoppedHeaders)).status).toBe(204);
    // The captured (or merely delayed) `ready` heartbeat arrives again, still inside 5 s.
    await post(ready, readyHeaders);

    await sleep(1_100); // the isolate's pool snapshot lives one second
    const { key } = await createKey();
    const response = await exports.default.fetch('http://edge.test/v1/models', {
      headers: { authorization: `Bearer ${key}` },
    });
    const listed = await response.json<{ data: { id: string }[] }>();
    const models = listed.data.map((m) => m.id);
    expect(models).not.toContain('replay-model');
  });
});

describe('bad client input gets a clean error, never the origin', () => {
  it.each<[string, unknown, string]>([
    ['stream as the string "true"', chat({ stream: 'true' }), 'stream'],
    ['n = 0', chat({ n: 0 }), 'n'],
    ['n = 17', chat({ n: 17 }), 'n'],
    ['n = 1.5', chat({ n: 1.5 }), 'n'],
    [
      'max_tokens beyond a safe integer',
      '{"model":"tiny","messages":[{"role":"user","content":"x"}],"max_tokens":9007199254740993}',
      'max_tokens',
    ],
    [
      'max_tokens that overflows to Infinity',
      '{"model":"tiny","messages":[{"role":"user","content":"x"}],"max_tokens":1e400}',
      'max_tokens',
    ],
    ['stream_options as a string', chat({ stream: true, stream_options: 'yes' }), 'stream_options'],
    [
      'messages as an object',
      { model: 'tiny', messages: { role: 'user', content: 'x' } },
      'messages',
    ],
    ['a null model', chat({ model: null }), 'model'],
    ['a 257-character model name', chat({ model: 'm'.repeat(257) }), 'model'],
    ['a body that is a JSON array', '[]', ''],
    ['a body that is JSON null', 'null', ''],
    ['an empty body', '', ''],
  ])('%s → 400 with param %j', async (_name, body, param) => {
    const status = 400;
    const origin = createFakeOrigin();
    const { app } = testApp({ originFetch: origin.fetch });

    const { response, text, requestId } = await exchange(
      app,
      '/v1/chat/completions',
      jsonRequest(await keyed(), body),
    );

    expect(response.status).toBe(status);
    const envelope = JSON.parse(text) as { error: Record<string, unknown> };
    expect(Object.keys(envelope.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(envelope.error.param).toBe(param === '' ? null : param);
    expect(origin.requests).toHaveLength(0);
    expect(await usageRow(requestId)).toMatchObject({
      status: 'client_error',
      http_status: status,
    });
  });

  it.each([
    ['no content-type', undefined],
    ['text/plain', 'text/plain'],
    ['form encoding (curl -d)', 'application/x-www-form-urlencoded'],
  ])('answers a JSON body sent with %s with a 400 envelope', async (_name, contentType) => {
    const origin = createFakeOrigin();
    const { app } = testApp({ originFetch: origin.fetch });
    const headers: Record<string, string> = { authorization: `Bearer ${await keyed()}` };
    if (contentType !== undefined) headers['content-type'] = contentType;

    const { response, text } = await exchange(app, '/v1/chat/completions', {
      method: 'POST',
      headers,
      body: JSON.stringify(chat()),
    });

    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect(origin.requests).toHaveLength(0);
  });

  it('answers an unknown unicode model with a 404 envelope that escapes it safely', async () => {
    const origin = createFakeOrigin();
    const { app } = testApp({ originFetch: origin.fetch });

    const { response, text } = await exchange(
      app,
      '/v1/chat/completions',
      jsonRequest(await keyed(), chat({ model: 'gpt-🚀\n\u0000"}' })),
    );

    expect(response.status).toBe(404);
    expect(JSON.parse(text)).toMatchObject({
      error: { code: 'model_not_found', param: 'model' },
    });
  });

  it('forwards exactly the model it validated when the body repeats a key', async () => {
    const origin = createFakeOrigin();
    const { app } = testApp({
      originFetch: origin.fetch,
      pool: staticPool([replica({ models: ['tiny', 'big'] })]),
    });

    const { response } = await exchange(
      app,
      '/v1/chat/completions',
      jsonRequest(
        await keyed(),
        '{"model":"big","model":"tiny","messages":[{"role":"user","content":"x"}]}',
      ),
    );

    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-model')).toBe('tiny');
    expect(origin.requests[0]?.body.model).toBe('tiny');
  });
});

describe('authentication edge cases', () => {
  it.each<[string, Record<string, string>]>([
    ['only x-api-key', { 'x-api-key': 'KEY' }],
    ['only api-key (Azure style)', { 'api-key': 'KEY' }],
    ['two Authorization values', { authorization: 'Bearer KEY, Bearer KEY' }],
    ['a Basic scheme', { authorization: 'Basic KEY' }],
  ])('answers %s with a 401 envelope that never echoes the key', async (_name, template) => {
    const origin = createFakeOrigin();
    const { app } = testApp({ originFetch: origin.fetch });
    const key = await keyed();
    const headers = Object.fromEntries(
      Object.entries(template).map(([name, value]) => [name, value.replaceAll('KEY', key)]),
    );

    const { response, text, requestId } = await exchange(
      app,
      '/v1/chat/completions',
      jsonRequest(undefined, chat(), headers),
    );

    expect(response.status).toBe(401);
    expect(JSON.parse(text)).toMatchObject({ error: { type: 'authentication_error' } });
    expect(text).not.toContain(key);
    expect(origin.requests).toHaveLength(0);
    expect(await usageRow(requestId)).toMatchObject({ status: 'auth_error' });
  });

  it('strips every client credential and hop-by-hop header before the origin', async () => {
    const origin = scriptedOrigin(() =>
      Response.json({ choices: [], usage: { prompt_tokens: 1 } }),
    );
    const { app } = testApp({ originFetch: origin.fetch });
    const key = await keyed();

    await exchange(
      app,
      '/v1/chat/completions',
      jsonRequest(key, chat(), {
        'x-api-key': key,
        'api-key': key,
        'proxy-authorization': `Basic ${key}`,
        cookie: `s=${key}`,
        connection: 'keep-alive, x-secret',
        'x-secret': key,
        te: 'trailers',
        upgrade: 'websocket',
        'x-forwarded-host': 'evil.test',
        'x-upstream-url': 'http://169.254.169.254',
      }),
    );

    const seen = Object.fromEntries(origin.requests[0]?.request.headers ?? []);
    expect(
      Object.keys(seen)
        .filter((h) => h !== 'content-length')
        .sort(),
    ).toEqual([
      'accept',
      'content-type',
      'x-request-id',
      'x-switchyard-signature',
      'x-switchyard-timestamp',
    ]);
    expect(JSON.stringify(seen)).not.toContain(key);
    expect(origin.requests[0]?.body).not.toContain(key);
  });
});

describe('routes, methods and paths', () => {
  it.each([
    ['PUT', '/v1/chat/completions'],
    ['POST', '/v1/chat/completions/'],
    ['POST', '/V1/Chat/Completions'],
    ['POST', '/v1/models'],
    ['DELETE', '/internal/pool/heartbeat'],
  ])('answers %s %s with a 404 envelope and a request id', async (method, path) => {
    const origin = createFakeOrigin();
    const { app } = testApp({ originFetch: origin.fetch });

    const { response, text } = await exchange(app, path, {
      method,
      headers: { authorization: `Bearer ${await keyed()}`, 'content-type': 'application/json' },
      body: JSON.stringify(chat()),
    });

    expect(response.status).toBe(404);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'route_not_found' } });
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{24}$/);
    expect(origin.requests).toHaveLength(0);
  });
});

describe('misbehaving origins on non-streamed calls', () => {
  it.each<[string, number, string, () => Response]>([
    ['an HTML 200', 502, 'upstream_error', () => new Response('<html>oops</html>')],
    ['an empty 200', 502, 'upstream_error', () => new Response('')],
    ['a JSON null 200', 502, 'upstream_error', () => new Response('null')],
    ['a 200 with no body', 502, 'upstream_error', () => new Response(null)],
    ['a redirect', 502, 'upstream_error', () => Response.redirect('http://169.254.169.254/', 302)],
    [
      'a 401 (edge credential refused)',
      502,
      'upstream_error',
      () => new Response('{"error":{"message":"bad sig"}}', { status: 401 }),
    ],
    [
      'an HTML 500',
      502,
      'upstream_error',
      () => new Response('<h1>Internal /opt/vllm trace</h1>', { status: 500 }),
    ],
    ['a 429', 503, 'no_replica_available', () => new Response('queue full', { status: 429 })],
  ])('turns %s into %s %s without leaking its text', async (_name, status, code, answer) => {
    const origin = scriptedOrigin(answer);
    const { app } = testApp({ originFetch: origin.fetch });

    const { response, text, requestId } = await exchange(
      app,
      '/v1/chat/completions',
      jsonRequest(await keyed(), chat()),
    );

    expect(response.status).toBe(status);
    expect(JSON.parse(text)).toMatchObject({ error: { code } });
    expect(text).not.toMatch(/oops|bad sig|vllm|queue full/);
    expect(origin.requests).toHaveLength(1);
    expect(origin.requests[0]?.request.redirect).toBe('manual');
    expect(await usageRow(requestId)).toMatchObject({ http_status: status });
  });
});

describe('SSE relay fidelity', () => {
  it('relays a CRLF stream with event:, id:, retry: and comment lines as clean LF events with one [DONE]', async () => {
    const upstream = [
      ': keepalive',
      'retry: 1000',
      '',
      'event: message',
      'id: 1',
      `data: ${contentChunk('Grüße ')}`,
      '',
      `data: ${contentChunk('世界')}`,
      '',
      `data: ${stopChunk}`,
      '',
      'data: {"id":"c","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":2,"total_tokens":6}}',
      '',
      'data: [DONE]',
      '',
      'data: [DONE]',
      '',
      `data: ${contentChunk('after the end')}`,
      '',
      '',
    ].join('\r\n');
    const origin = scriptedOrigin(() => sse(upstream));
    const { app } = testApp({ originFetch: origin.fetch });

    const { response, text, requestId } = await exchange(
      app,
      '/v1/chat/completions',
      jsonRequest(await keyed(), chat({ stream: true })),
    );

    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(text).not.toContain('\r');
    expect(text).not.toContain('after the end');
    const events = dataEvents(text);
    expect(events.filter((e) => e === '[DONE]')).toHaveLength(1);
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.some((e) => e.includes('"usage"'))).toBe(false);
    expect(text).toContain('Grüße ');
    expect(text).toContain('世界');
    expect(await usageRow(requestId)).toMatchObject({
      status: 'ok',
      prompt_tokens: 4,
      completion_tokens: 2,
      tokens_estimated: 0,
    });
  });

  it('keeps the client usage chunk when asked, and does not invent one for stream_options without stream', async () => {
    const origin = createFakeOrigin();
    const { app } = testApp({ originFetch: origin.fetch });

    const { response, text } = await exchange(
      app,
      '/v1/chat/completions',
      jsonRequest(await keyed(), chat({ stream_options: { include_usage: true } })),
    );

    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(text)).toMatchObject({ object: 'chat.completion' });
    // The non-stream body goes through untouched; the engine decides about the stray option.
    expect(origin.requests[0]?.body).toMatchObject({ stream_options: { include_usage: true } });
    expect(origin.requests[0]?.body.stream).toBeUndefined();
  });
});

describe('client cancellation', () => {
  it('aborts a silent stream and records client_cancelled with the tokens already sent', async () => {
    let upstreamCancelled = false;
    const origin = scriptedOrigin(() => {
      let pulls = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulls++ === 0) {
            controller.enqueue(encoder.encode(`data: ${contentChunk('one')}\n\n`));
          }
          // then silence: never enqueue again, never close
          return new Promise<void>(() => undefined);
        },
        cancel() {
          upstreamCancelled = true;
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
    const { app } = testApp({ originFetch: origin.fetch });
    const ctx = createExecutionContext();

    const response = await app.request(
      '/v1/chat/completions',
      jsonRequest(await keyed(), chat({ stream: true })),
      {},
      ctx,
    );
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('"one"');
    await reader.cancel();
    await waitOnExecutionContext(ctx);

    expect(upstreamCancelled).toBe(true);
    expect(origin.requests[0]?.request.signal.aborted).toBe(true);
    expect(await usageRow(response.headers.get('x-request-id'))).toMatchObject({
      status: 'client_cancelled',
      completion_tokens: 1,
      tokens_estimated: 1,
    });
  });

  it('aborts the origin fetch of a non-streamed call when the client goes away', async () => {
    const origin = scriptedOrigin(
      (request) =>
        new Promise<Response>((_resolve, reject) => {
          request.signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    );
    const { app } = testApp({ originFetch: origin.fetch });
    const client = new AbortController();
    const ctx = createExecutionContext();

    const pending = app.request(
      '/v1/chat/completions',
      { ...jsonRequest(await keyed(), chat()), signal: client.signal },
      {},
      ctx,
    );
    await sleep(50);
    client.abort();
    const response = await pending;
    await response.text();
    await waitOnExecutionContext(ctx);

    expect(origin.requests[0]?.request.signal.aborted).toBe(true);
    expect(await usageRow(response.headers.get('x-request-id'))).toMatchObject({
      status: 'client_cancelled',
    });
  });
});
