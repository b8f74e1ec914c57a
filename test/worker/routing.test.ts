import { describe, expect, it } from 'vitest';
import { createFakeOrigin } from './support/fake-origin';
import { createKey, jsonRequest, replica, staticPool, testApp, usageRow } from './support/harness';
import { buildModelCatalogue } from '../../worker/router/model-catalogue';
import { defaultCatalogue } from '../../worker/config/models';

const easy = 'What is the capital of Australia?';
const hard =
  'Design a rate limiter for a multi-region API: compare token buckets and sliding windows, analyse the consistency trade-offs between regions, and justify your recommendation step by step with failure modes.';

const small = (overrides: Parameters<typeof replica>[0] = {}) =>
  replica({
    replicaId: 'small-1',
    url: 'http://small-1.test',
    models: ['sim-small'],
    ...overrides,
  });
const large = (overrides: Parameters<typeof replica>[0] = {}) =>
  replica({
    replicaId: 'large-1',
    url: 'http://large-1.test',
    models: ['sim-large'],
    ...overrides,
  });

const ask = (model: string, content: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: 'user', content }],
  ...extra,
});

function routingApp(
  replicas = [small(), large()],
  models = buildModelCatalogue(),
  options: Pick<Parameters<typeof testApp>[0], 'cache'> = {},
) {
  const origin = createFakeOrigin();
  const app = testApp({
    originFetch: origin.fetch,
    pool: staticPool(replicas),
    models,
    ...options,
  });
  return { origin, ...app };
}

describe('model: "auto"', () => {
  it('sends an easy prompt to the small tier and says why in headers and the usage row', async () => {
    const { origin, send } = routingApp();
    const { key } = await createKey();
    const { response } = await send('/v1/chat/completions', jsonRequest(key, ask('auto', easy)));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-model')).toBe('sim-small');
    expect(response.headers.get('x-switchyard-replica')).toBe('small-1');
    const route = response.headers.get('x-switchyard-route') ?? '';
    expect(route).toMatch(/^tier=small; score=0\.\d{4}; threshold=0\.0000$/);
    // The engine is asked for the model that answers, never for `auto`.
    expect(origin.requests[0]?.body.model).toBe('sim-small');
    const score = Number(/score=([\d.]+)/.exec(route)?.[1]);
    expect(await usageRow(response.headers.get('x-request-id'))).toMatchObject({
      requested_model: 'auto',
      served_model: 'sim-small',
      route_tier: 'small',
      route_score: score,
    });
  });

  it('sends a hard prompt to the large tier, streaming too', async () => {
    const { origin, send } = routingApp();
    const { key } = await createKey();
    const { response, text } = await send(
      '/v1/chat/completions',
      jsonRequest(key, ask('auto', hard, { stream: true })),
    );
    expect(response.status).toBe(200);
    expect(text).toContain('data: [DONE]');
    expect(response.headers.get('x-switchyard-model')).toBe('sim-large');
    const route = response.headers.get('x-switchyard-route') ?? '';
    const [, score, threshold] = /score=([\d.]+); threshold=([\d.]+)/.exec(route) ?? [];
    expect(route).toMatch(/^tier=large;/);
    expect(Number(score)).toBeGreaterThanOrEqual(Number(threshold));
    expect(origin.requests[0]?.body.model).toBe('sim-large');
    expect(await usageRow(response.headers.get('x-request-id'))).toMatchObject({
      requested_model: 'auto',
      served_model: 'sim-large',
      route_tier: 'large',
    });
  });

  it('sends a borderline prompt down a tier while every large replica has a queue', async () => {
    // Thresholds set so the easy prompt is "borderline large": just above the threshold.
    const catalogue = buildModelCatalogue(
      JSON.stringify({
        ...defaultCatalogue,
        routes: {
          auto: {
            ...defaultCatalogue.routes.auto,
            target: undefined,
            thresholds: [0.0001],
            downgrade: { enabled: true, margin: 0.9999 },
          },
        },
      }),
    );
    const { key } = await createKey();
    const busy = routingApp([small(), large({ waiting: 3 })], catalogue);
    const down = await busy.send('/v1/chat/completions', jsonRequest(key, ask('auto', easy)));
    expect(down.response.headers.get('x-switchyard-model')).toBe('sim-small');
    expect(down.response.headers.get('x-switchyard-route')).toMatch(
      /^tier=small; score=[\d.]+; threshold=0\.0000; downgraded-from=large$/,
    );
    expect(await usageRow(down.response.headers.get('x-request-id'))).toMatchObject({
      route_tier: 'small:downgraded',
      served_model: 'sim-small',
    });

    const idle = routingApp([small(), large()], catalogue);
    const up = await idle.send('/v1/chat/completions', jsonRequest(key, ask('auto', easy)));
    expect(up.response.headers.get('x-switchyard-model')).toBe('sim-large');
  });

  it('routes a completions prompt too, and refuses a routed name for embeddings', async () => {
    const { send } = routingApp();
    const { key } = await createKey();
    const completion = await send(
      '/v1/completions',
      jsonRequest(key, { model: 'auto', prompt: easy, max_tokens: 8 }),
    );
    expect(completion.response.headers.get('x-switchyard-route')).toMatch(/^tier=small/);
    const embedding = await send('/v1/embeddings', jsonRequest(key, { model: 'auto', input: 'x' }));
    expect(embedding.response.status).toBe(400);
    expect(JSON.parse(embedding.text)).toMatchObject({
      error: { code: 'invalid_request', param: 'model' },
    });
  });
});

describe('aliases', () => {
  it('serves `smart` with the large model and records both names, without a route', async () => {
    const { origin, send } = routingApp();
    const { key } = await createKey();
    const { response } = await send('/v1/chat/completions', jsonRequest(key, ask('smart', easy)));
    expect(response.headers.get('x-switchyard-model')).toBe('sim-large');
    expect(response.headers.get('x-switchyard-route')).toBeNull();
    expect(origin.requests[0]?.body.model).toBe('sim-large');
    expect(await usageRow(response.headers.get('x-request-id'))).toMatchObject({
      requested_model: 'smart',
      served_model: 'sim-large',
      route_tier: null,
      route_score: null,
    });
  });
});

describe('per-key model policy', () => {
  it('answers 403 model_not_allowed in the OpenAI shape for a name outside the key’s list, and records it', async () => {
    const { origin, send } = routingApp();
    const { key } = await createKey({ allowedModels: ['auto'] });
    const { response, text } = await send(
      '/v1/chat/completions',
      jsonRequest(key, ask('sim-large', hard)),
    );
    expect(response.status).toBe(403);
    expect(JSON.parse(text)).toEqual({
      error: {
        message: "This API key may not use the model 'sim-large'.",
        type: 'permission_error',
        param: 'model',
        code: 'model_not_allowed',
      },
    });
    expect(origin.requests).toHaveLength(0);
    expect(await usageRow(response.headers.get('x-request-id'))).toMatchObject({
      requested_model: 'sim-large',
      served_model: null,
      status: 'auth_error',
      error_code: 'model_not_allowed',
    });
  });

  it('lets a key limited to `auto` reach the large tier through the router', async () => {
    const { send } = routingApp();
    const { key } = await createKey({ allowedModels: ['auto'] });
    const { response } = await send('/v1/chat/completions', jsonRequest(key, ask('auto', hard)));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-model')).toBe('sim-large');
  });

  it('still answers 404 for a name nobody serves when the key may use everything', async () => {
    const { send } = routingApp();
    const { key } = await createKey();
    const { response, text } = await send(
      '/v1/chat/completions',
      jsonRequest(key, ask('no-such-model', easy)),
    );
    expect(response.status).toBe(404);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'model_not_found' } });
  });
});

describe('GET /v1/models with the catalogue', () => {
  it('lists aliases and routed names whose models are servable, with what they stand for', async () => {
    const { send } = routingApp();
    const { key } = await createKey();
    const { text } = await send('/v1/models', { headers: { authorization: `Bearer ${key}` } });
    const data = (JSON.parse(text) as { data: Record<string, unknown>[] }).data;
    expect(data.map((m) => m.id)).toEqual(['auto', 'fast', 'sim-large', 'sim-small', 'smart']);
    expect(data.find((m) => m.id === 'auto')).toMatchObject({
      object: 'model',
      routes_to: ['sim-small', 'sim-large'],
    });
    expect(data.find((m) => m.id === 'fast')).toMatchObject({ alias_of: 'sim-small' });
  });

  it('leaves out a routed name while one of its tiers cannot serve, and names the key may not use', async () => {
    const { send } = routingApp([small(), large({ state: 'sleeping' })]);
    const { key } = await createKey({ allowedModels: ['auto', 'sim-small'] });
    const { text } = await send('/v1/models', { headers: { authorization: `Bearer ${key}` } });
    const ids = (JSON.parse(text) as { data: { id: string }[] }).data.map((m) => m.id);
    expect(ids).toEqual(['fast', 'sim-small']);
    const hidden = await send('/v1/models/sim-large', {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(hidden.response.status).toBe(404);
  });
});

describe('routing and the response cache', () => {
  const det = { temperature: 0 };
  const cached = () => routingApp(undefined, undefined, { cache: {} });

  it('keys entries by the model that answers: an alias and its model share one entry', async () => {
    const { origin, send } = cached();
    const { key } = await createKey();
    const first = await send('/v1/chat/completions', jsonRequest(key, ask('fast', easy, det)));
    const second = await send(
      '/v1/chat/completions',
      jsonRequest(key, ask('sim-small', easy, det)),
    );
    expect(first.response.headers.get('x-switchyard-cache')).toBe('miss');
    expect(second.response.headers.get('x-switchyard-cache')).toBe('hit-exact');
    expect(origin.requests).toHaveLength(1);
    expect(await usageRow(second.response.headers.get('x-request-id'))).toMatchObject({
      requested_model: 'sim-small',
      served_model: 'sim-small',
      cache_status: 'hit-exact',
    });
  });

  it('checks the key’s model policy before the cache, and a routed hit still says how it was routed', async () => {
    const { origin, send } = cached();
    const { key: open, tenantId } = await createKey();
    const { key: limited } = await createKey({ allowedModels: ['auto'], tenantId });
    await send('/v1/chat/completions', jsonRequest(open, ask('smart', hard, det)));
    expect(origin.requests).toHaveLength(1);

    const refused = await send(
      '/v1/chat/completions',
      jsonRequest(limited, ask('sim-large', hard, det)),
    );
    expect(refused.response.status).toBe(403);

    const routed = await send('/v1/chat/completions', jsonRequest(limited, ask('auto', hard, det)));
    expect(routed.response.status).toBe(200);
    expect(routed.response.headers.get('x-switchyard-cache')).toBe('hit-exact');
    expect(routed.response.headers.get('x-switchyard-model')).toBe('sim-large');
    expect(routed.response.headers.get('x-switchyard-route')).toMatch(/^tier=large; /);
    expect(origin.requests).toHaveLength(1);
    expect(await usageRow(routed.response.headers.get('x-request-id'))).toMatchObject({
      requested_model: 'auto',
      served_model: 'sim-large',
      route_tier: 'large',
      cache_status: 'hit-exact',
    });
  });
});
