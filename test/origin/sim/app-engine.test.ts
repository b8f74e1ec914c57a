import { describe, expect, it } from 'vitest';
import { createTestSim, postJson } from './sim-test-kit';

const chat = { model: 'sim-model', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 };

describe('GET /v1/models', () => {
  it('lists every served name in vLLM shape', async () => {
    const { app } = createTestSim({ servedModelNames: ['small', 'fast'], maxModelLen: 4096 });
    const response = await app.request('/v1/models');
    expect(await response.json()).toEqual({
      object: 'list',
      data: ['small', 'fast'].map((id) => ({
        id,
        object: 'model',
        created: expect.any(Number) as number,
        owned_by: 'vllm',
        root: 'org/sim-model',
        parent: null,
        max_model_len: 4096,
      })),
    });
  });
});

describe('GET /health', () => {
  it('answers 200 with an empty body', async () => {
    const response = await createTestSim().app.request('/health');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });
});

describe('GET /metrics', () => {
  it('exposes vLLM metric names labelled with the first served name', async () => {
    const { app } = createTestSim({ servedModelNames: ['small', 'fast'] });
    await postJson(app, '/v1/chat/completions', { ...chat, model: 'fast' });
    const response = await app.request('/metrics');
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    for (const name of [
      'vllm:num_requests_running',
      'vllm:num_requests_waiting',
      'vllm:kv_cache_usage_perc',
      'vllm:gpu_cache_usage_perc',
      'vllm:prompt_tokens_total',
      'vllm:prefix_cache_queries_total',
      'vllm:prefix_cache_hits_total',
    ]) {
      expect(text).toMatch(new RegExp(`^${name}\\{model_name="small"\\} \\d`, 'm'));
    }
    expect(text).toContain('vllm:generation_tokens_total{model_name="small"} 2');
    expect(text).toContain(
      'vllm:request_success_total{model_name="small",finished_reason="length"} 1',
    );
  });

  it('counts every generation request that arrives, injected failures included', async () => {
    const { app } = createTestSim();
    await postJson(app, '/v1/chat/completions', chat);
    const failed = await app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sim-fault': 'error=503' },
      body: JSON.stringify(chat),
    });
    expect(failed.status).toBe(503);
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('sim:requests_received_total{model_name="sim-model"} 2');
  });

  it('exports the token counters at 0 before the first request', async () => {
    const text = await (await createTestSim().app.request('/metrics')).text();
    expect(text).toContain('vllm:generation_tokens_total{model_name="sim-model"} 0');
  });
});

describe('sleep mode', () => {
  it('does not serve /sleep, /wake_up or /is_sleeping without --enable-sleep-mode', async () => {
    const { app } = createTestSim();
    expect((await app.request('/sleep', { method: 'POST' })).status).toBe(404);
    expect((await app.request('/wake_up', { method: 'POST' })).status).toBe(404);
    expect((await app.request('/is_sleeping')).status).toBe(404);
  });

  it.each([
    { how: 'query', path: '/sleep?level=2', body: undefined },
    { how: 'body', path: '/sleep', body: JSON.stringify({ level: 1 }) },
    { how: 'default level', path: '/sleep', body: undefined },
  ])(
    'sleeps (level by $how), refuses generation, stays healthy, and wakes up',
    async ({ path, body }) => {
      const { app } = createTestSim({ enableSleepMode: true });
      expect(await (await app.request('/is_sleeping')).json()).toEqual({ is_sleeping: false });
      expect((await app.request(path, { method: 'POST', body })).status).toBe(200);
      expect(await (await app.request('/is_sleeping')).json()).toEqual({ is_sleeping: true });

      const refused = await postJson(app, '/v1/chat/completions', chat);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({
        error: { type: 'ServiceUnavailableError', code: 503 },
      });
      expect((await app.request('/health')).status).toBe(200);

      expect((await app.request('/wake_up', { method: 'POST' })).status).toBe(200);
      expect(await (await app.request('/is_sleeping')).json()).toEqual({ is_sleeping: false });
      expect((await postJson(app, '/v1/chat/completions', chat)).status).toBe(200);
    },
  );

  it.each(['/sleep?level=3', '/sleep?level=x'])('rejects %s with 400', async (path) => {
    const { app } = createTestSim({ enableSleepMode: true });
    const response = await app.request(path, { method: 'POST' });
    expect(response.status).toBe(400);
    expect(await (await app.request('/is_sleeping')).json()).toEqual({ is_sleeping: false });
  });
});

describe('errors', () => {
  it.each([
    {
      name: 'an unknown model',
      path: '/v1/chat/completions',
      body: JSON.stringify({ ...chat, model: 'gpt-4' }),
      status: 404,
      error: {
        message: 'The model `gpt-4` does not exist.',
        type: 'NotFoundError',
        param: null,
        code: 404,
      },
    },
    {
      name: 'malformed JSON',
      path: '/v1/chat/completions',
      body: '{"model": ',
      status: 400,
      error: {
        message: 'Malformed JSON in request body',
        type: 'BadRequestError',
        param: null,
        code: 400,
      },
    },
    {
      name: 'no messages',
      path: '/v1/chat/completions',
      body: JSON.stringify({ model: 'sim-model', messages: [] }),
      status: 400,
      error: {
        message: expect.stringContaining('messages') as string,
        type: 'BadRequestError',
        code: 400,
      },
    },
    {
      name: 'a negative max_tokens',
      path: '/v1/completions',
      body: JSON.stringify({ model: 'sim-model', prompt: 'x', max_tokens: -1 }),
      status: 400,
      error: { message: expect.stringContaining('max_tokens') as string, type: 'BadRequestError' },
    },
    {
      name: 'a prompt longer than the context',
      path: '/v1/completions',
      body: JSON.stringify({ model: 'sim-model', prompt: 'word '.repeat(200) }),
      status: 400,
      error: {
        message: expect.stringContaining('maximum context length is 64 tokens') as string,
        type: 'BadRequestError',
      },
    },
    {
      name: 'an embedding input longer than the context',
      path: '/v1/embeddings',
      body: JSON.stringify({ model: 'sim-model', input: 'word '.repeat(200) }),
      status: 400,
      error: { type: 'BadRequestError', code: 400 },
    },
    {
      name: 'an unknown route',
      path: '/v1/nothing',
      body: '{}',
      status: 404,
      error: { type: 'NotFoundError', code: 404 },
    },
  ])(
    'answers $name with $status in the OpenAI error envelope',
    async ({ path, body, status, error }) => {
      const { app } = createTestSim({ maxModelLen: 64 });
      const response = await app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBe(status);
      expect(await response.json()).toEqual({ error: expect.objectContaining(error) as unknown });
    },
  );

  it('refuses new generation with 503 while draining for shutdown', async () => {
    const { app, runtime } = createTestSim();
    runtime.beginDrain();
    const response = await postJson(app, '/v1/chat/completions', chat);
    expect(response.status).toBe(503);
  });
});
