import { describe, expect, it } from 'vitest';
import { verify, originRequestPayload } from '../../contracts/signature';
import { createFakeOrigin, defaultScript } from './support/fake-origin';
import {
  createKey,
  fixedNowMs,
  jsonRequest,
  replica,
  staticPool,
  testApp,
  testPoolSecret,
  usageRow,
} from './support/harness';
import { chat, dataEvents } from './support/requests';

describe('POST /v1/chat/completions', () => {
  it('streams every engine chunk, ends with one [DONE] and strips the usage chunk the client did not ask for', async () => {
    const origin = createFakeOrigin();
    const { send } = testApp({ originFetch: origin.fetch });
    const { key, keyId } = await createKey();

    const { response, text } = await send(
      '/v1/chat/completions',
      jsonRequest(key, chat({ stream: true })),
    );

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-switchyard-replica')).toBe('r1');
    const events = dataEvents(text);
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.filter((e) => e === '[DONE]')).toHaveLength(1);
    expect(events.some((e) => e.includes('"usage"'))).toBe(false);
    const content = events
      .slice(0, -1)
      .map(
        (e) =>
          (JSON.parse(e) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta
            .content ?? '',
      )
      .join('');
    expect(content).toBe(defaultScript.tokens.join(''));
    // The engine was asked for usage anyway, so the row has its real counts.
    expect(origin.requests[0]?.body.stream_options).toEqual({ include_usage: true });
    const row = await usageRow(response.headers.get('x-request-id'));
    expect(row).toMatchObject({
      key_id: keyId,
      status: 'ok',
      stream: 1,
      prompt_tokens: 11,
      completion_tokens: 6,
      tokens_estimated: 0,
      replica_id: 'r1',
      served_model: 'tiny',
    });
  });

  it('keeps exactly one usage chunk just before [DONE] when the client asked for it', async () => {
    const origin = createFakeOrigin();
    const { send } = testApp({ originFetch: origin.fetch });
    const { key } = await createKey();

    const { text } = await send(
      '/v1/chat/completions',
      jsonRequest(key, chat({ stream: true, stream_options: { include_usage: true } })),
    );

    const events = dataEvents(text);
    const usageEvents = events.filter((e) => e.includes('"usage"'));
    expect(usageEvents).toHaveLength(1);
    expect(events.at(-2)).toBe(usageEvents[0]);
    expect(JSON.parse(usageEvents[0] ?? '{}')).toMatchObject({
      choices: [],
      usage: { completion_tokens: 6 },
    });
  });

  it('returns the engine JSON with usage for a non-stream call and records its tokens', async () => {
    const origin = createFakeOrigin();
    const { send } = testApp({ originFetch: origin.fetch });
    const { key } = await createKey();

    const { response, text } = await send('/v1/chat/completions', jsonRequest(key, chat()));

    expect(response.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({
      object: 'chat.completion',
      usage: { total_tokens: 17 },
    });
    const row = await usageRow(response.headers.get('x-request-id'));
    expect(row).toMatchObject({ status: 'ok', stream: 0, prompt_tokens: 11, completion_tokens: 6 });
  });

  it('sends the origin only its own signed credential and allowlisted headers, never the client key', async () => {
    const origin = createFakeOrigin();
    const { send } = testApp({ originFetch: origin.fetch });
    const { key } = await createKey();

    const { response } = await send(
      '/v1/chat/completions',
      jsonRequest(key, chat(), {
        cookie: 'session=abc',
        'x-api-key': key,
        'x-forwarded-for': '10.0.0.1',
      }),
    );

    const seen = origin.requests[0]?.headers ?? {};
    expect(Object.keys(seen).sort()).toEqual(
      [
        'accept',
        'content-length',
        'content-type',
        'x-request-id',
        'x-switchyard-signature',
        'x-switchyard-timestamp',
      ].filter((h) => h !== 'content-length' || 'content-length' in seen),
    );
    expect(JSON.stringify(seen)).not.toContain(key);
    const requestId = response.headers.get('x-request-id') ?? '';
    expect(seen['x-request-id']).toBe(requestId);
    const verdict = await verify(
      testPoolSecret,
      'origin-request',
      originRequestPayload('POST', '/v1/chat/completions', requestId),
      { timestamp: seen['x-switchyard-timestamp'], signature: seen['x-switchyard-signature'] },
      fixedNowMs,
    );
    expect(verdict).toEqual({ ok: true });
  });

  it('ends a stream cut by the engine with one error event, no [DONE], and a midstream_error row', async () => {
    const origin = createFakeOrigin({ ...defaultScript, cutAfterTokens: 3 });
    const { send } = testApp({ originFetch: origin.fetch });
    const { key } = await createKey();

    const { response, text } = await send(
      '/v1/chat/completions',
      jsonRequest(key, chat({ stream: true })),
    );

    const events = dataEvents(text);
    expect(events).not.toContain('[DONE]');
    expect(JSON.parse(events.at(-1) ?? '{}')).toMatchObject({ error: { code: 'upstream_error' } });
    const row = await usageRow(response.headers.get('x-request-id'));
    expect(row).toMatchObject({
      status: 'midstream_error',
      completion_tokens: 3,
      tokens_estimated: 1,
    });
  });

  it('forwards an in-band engine error event and stops there', async () => {
    const origin = createFakeOrigin({ ...defaultScript, errorAfterTokens: 2 });
    const { send } = testApp({ originFetch: origin.fetch });
    const { key } = await createKey();

    const { response, text } = await send(
      '/v1/chat/completions',
      jsonRequest(key, chat({ stream: true })),
    );

    const events = dataEvents(text);
    expect(events).not.toContain('[DONE]');
    expect(events.at(-1)).toContain('"error"');
    expect(await usageRow(response.headers.get('x-request-id'))).toMatchObject({
      status: 'midstream_error',
    });
  });
});

describe('errors in the OpenAI envelope, one usage row each', () => {
  const cases: [string, () => Promise<RequestInit>, number, string, string][] = [
    [
      'no key',
      () => Promise.resolve(jsonRequest(undefined, chat())),
      401,
      'missing_api_key',
      'auth_error',
    ],
    [
      'a malformed key',
      () => Promise.resolve(jsonRequest('sk-nope', chat())),
      401,
      'invalid_api_key',
      'auth_error',
    ],
    [
      'an unknown key',
      () => Promise.resolve(jsonRequest('sk-sy-' + 'A'.repeat(43), chat())),
      401,
      'invalid_api_key',
      'auth_error',
    ],
    [
      'a revoked key',
      async () => jsonRequest((await createKey('revoked')).key, chat()),
      401,
      'invalid_api_key',
      'auth_error',
    ],
    [
      'malformed JSON',
      async () => jsonRequest((await createKey()).key, '{"model": '),
      400,
      'invalid_json',
      'client_error',
    ],
    [
      'a body without messages',
      async () => jsonRequest((await createKey()).key, { model: 'tiny' }),
      400,
      'invalid_request',
      'client_error',
    ],
    [
      'a body that names its own upstream',
      async () =>
        jsonRequest((await createKey()).key, chat({ api_base: 'http://169.254.169.254' })),
      400,
      'forbidden_parameter',
      'client_error',
    ],
    [
      'an unknown model',
      async () => jsonRequest((await createKey()).key, chat({ model: 'gpt-17' })),
      404,
      'model_not_found',
      'client_error',
    ],
  ];

  it.each(cases)('rejects %s with %i %s', async (_name, init, status, code, usageStatus) => {
    const origin = createFakeOrigin();
    const { send } = testApp({ originFetch: origin.fetch });

    const { response, text } = await send('/v1/chat/completions', await init());

    expect(response.status).toBe(status);
    const body = JSON.parse(text) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ code });
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(text).not.toContain('sk-sy-AAAA');
    expect(origin.requests).toHaveLength(0);
    expect(await usageRow(response.headers.get('x-request-id'))).toMatchObject({
      status: usageStatus,
      http_status: status,
      error_code: code,
    });
  });

  it('returns 413 for a body over the limit without reaching the origin', async () => {
    const origin = createFakeOrigin();
    const { send } = testApp({ originFetch: origin.fetch, maxBodyBytes: 1024 });
    const { key } = await createKey();

    const { response } = await send(
      '/v1/chat/completions',
      jsonRequest(key, chat({ messages: [{ role: 'user', content: 'x'.repeat(4096) }] })),
    );

    expect(response.status).toBe(413);
    expect(origin.requests).toHaveLength(0);
  });

  it('returns 503 with Retry-After when the model is known but no replica is ready', async () => {
    const origin = createFakeOrigin();
    const { send } = testApp({
      originFetch: origin.fetch,
      pool: staticPool([replica({ state: 'warming' })]),
    });
    const { key } = await createKey();

    const { response, text } = await send('/v1/chat/completions', jsonRequest(key, chat()));

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'no_replica_available' } });
    expect(await usageRow(response.headers.get('x-request-id'))).toMatchObject({
      status: 'upstream_unavailable',
    });
  });

  it('treats a replica with a stale heartbeat as unavailable, not idle', async () => {
    const origin = createFakeOrigin();
    const stale = replica({ lastSeenMs: fixedNowMs - 60_000 });
    const { send } = testApp({ originFetch: origin.fetch, pool: staticPool([stale]) });
    const { key } = await createKey();

    const { response } = await send('/v1/chat/completions', jsonRequest(key, chat()));

    expect(response.status).toBe(503);
    expect(origin.requests).toHaveLength(0);
  });

  it.each([
    [
      400,
      '{"error":{"message":"prompt is too long","type":"BadRequestError","code":400}}',
      400,
      'prompt is too long',
    ],
    [500, '{"error":{"message":"CUDA error: secret internals"}}', 502, 'failed to answer'],
  ])(
    'translates an engine %i into %i without leaking internals',
    async (engineStatus, body, status, message) => {
      const origin = createFakeOrigin({
        ...defaultScript,
        failWith: { status: engineStatus, body },
      });
      const { send } = testApp({ originFetch: origin.fetch });
      const { key } = await createKey();

      const { response, text } = await send('/v1/chat/completions', jsonRequest(key, chat()));

      expect(response.status).toBe(status);
      expect(text).toContain(message);
      expect(text).not.toContain('CUDA');
    },
  );

  it('answers 502 in the envelope when the origin cannot be reached', async () => {
    const { send } = testApp({
      originFetch: () => Promise.reject(new TypeError('connect ECONNREFUSED')),
    });
    const { key } = await createKey();

    const { response, text } = await send('/v1/chat/completions', jsonRequest(key, chat()));

    expect(response.status).toBe(502);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'upstream_unreachable' } });
    expect(text).not.toContain('ECONNREFUSED');
    expect(await usageRow(response.headers.get('x-request-id'))).toMatchObject({
      status: 'upstream_error',
    });
  });
});

describe('other endpoints', () => {
  it('forwards embeddings and records their prompt tokens', async () => {
    const origin = createFakeOrigin();
    const { send } = testApp({ originFetch: origin.fetch });
    const { key } = await createKey();

    const { response, text } = await send(
      '/v1/embeddings',
      jsonRequest(key, { model: 'tiny', input: 'hello' }),
    );

    expect(response.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ data: [{ embedding: [0.6, 0.8] }] });
    expect(await usageRow(response.headers.get('x-request-id'))).toMatchObject({
      endpoint: 'embeddings',
      prompt_tokens: 11,
    });
  });

  it('lists the models of ready, live replicas only', async () => {
    const pool = staticPool([
      replica({ replicaId: 'a', models: ['small'] }),
      replica({ replicaId: 'b', models: ['large'], state: 'warming' }),
      replica({ replicaId: 'c', models: ['old'], lastSeenMs: fixedNowMs - 60_000 }),
    ]);
    const { send } = testApp({ originFetch: createFakeOrigin().fetch, pool });
    const { key } = await createKey();

    const { response, text } = await send('/v1/models', {
      headers: { authorization: `Bearer ${key}` },
    });

    expect(response.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({
      object: 'list',
      data: [{ id: 'small', object: 'model' }],
    });
    expect((JSON.parse(text) as { data: unknown[] }).data).toHaveLength(1);
  });

  it('answers an unknown route with 404 in the envelope', async () => {
    const { send } = testApp({ originFetch: createFakeOrigin().fetch });

    const { response, text } = await send('/nope');

    expect(response.status).toBe(404);
    expect(JSON.parse(text)).toMatchObject({
      error: { code: 'route_not_found', type: 'not_found_error' },
    });
  });
});

describe('GET /healthz', () => {
  it('answers 503 unhealthy with counts, without a key, when no replica is ready', async () => {
    const { send } = testApp({
      originFetch: createFakeOrigin().fetch,
      pool: staticPool([replica({ state: 'warming' })]),
    });

    const { response, text } = await send('/healthz');

    expect(response.status).toBe(503);
    expect(JSON.parse(text)).toEqual({
      status: 'unhealthy',
      replicas: { ready: 0, ejected: 0, live: 1, known: 1 },
    });
  });
});

describe('GET /v1/models/{model}', () => {
  it.each([
    ['a served model', 'tiny', 200],
    ['a model with a slash in its name', 'org/tiny-2', 200],
    ['an unknown model', 'nope', 404],
  ])('answers %s with %i', async (_name, id, status) => {
    const pool = staticPool([replica({ models: ['tiny', 'org/tiny-2'] })]);
    const { send } = testApp({ originFetch: createFakeOrigin().fetch, pool });
    const { key } = await createKey();

    const { response, text } = await send(`/v1/models/${id}`, {
      headers: { authorization: `Bearer ${key}` },
    });

    expect(response.status).toBe(status);
    if (status === 200) expect(JSON.parse(text)).toMatchObject({ id, object: 'model' });
    else expect(JSON.parse(text)).toMatchObject({ error: { code: 'model_not_found' } });
  });
});

describe('pinned model revisions', () => {
  it('lists the revisions ready replicas serve and records the one that answered', async () => {
    const pool = staticPool([
      replica({ replicaId: 'old', modelRevision: 'rev-a', running: 5 }),
      replica({ replicaId: 'new', modelRevision: 'rev-b' }),
      replica({ replicaId: 'warming', modelRevision: 'rev-c', state: 'warming' }),
    ]);
    const { send } = testApp({ originFetch: createFakeOrigin().fetch, pool });
    const { key } = await createKey();

    const models = await send('/v1/models', { headers: { authorization: `Bearer ${key}` } });
    const answered = await send('/v1/chat/completions', jsonRequest(key, chat()));

    expect(JSON.parse(models.text)).toMatchObject({
      data: [{ id: 'tiny', revisions: ['rev-a', 'rev-b'] }],
    });
    expect(await usageRow(answered.response.headers.get('x-request-id'))).toMatchObject({
      replica_id: 'new',
      model_revision: 'rev-b',
    });
  });
});
