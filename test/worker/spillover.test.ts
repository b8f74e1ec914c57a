import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { poolSaturated } from '../../worker/core/replica-choice';
import { catalogueProviders, providerBody, providerUrl } from '../../worker/forwarding/spillover';
import type { Logger, ReplicaView, SpilloverProvider } from '../../worker/ports';
import { buildModelCatalogue } from '../../worker/router/model-catalogue';
import { createFakeOrigin, defaultScript, type OriginScript } from './support/fake-origin';
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

const provider: SpilloverProvider = {
  name: 'api.provider.test',
  baseUrl: 'https://api.provider.test/v1',
  apiKey: 'sk-provider-secret',
  model: 'provider-tiny',
};

/**
 * A pool of fake engines and one fake provider behind one fetch, told apart by host, so a test
 * sees which side each request reached.
 */
function spillApp(
  replicas: ReplicaView[],
  scripts: { pool?: OriginScript; provider?: OriginScript } = {},
) {
  const pool = createFakeOrigin(scripts.pool ?? defaultScript);
  const upstream = createFakeOrigin(scripts.provider ?? defaultScript);
  const app = testApp({
    originFetch: (request) =>
      new URL(request.url).hostname === 'api.provider.test'
        ? upstream.fetch(request)
        : pool.fetch(request),
    pool: staticPool(replicas),
    providers: { tiny: provider },
  });
  return { pool, upstream, ...app };
}

async function attempts(requestId: string | null) {
  const { results } = await env.DB.prepare(
    'SELECT attempt, replica_id, http_status FROM usage_attempts WHERE request_id = ? ORDER BY attempt',
  )
    .bind(requestId ?? '')
    .all();
  return results;
}

const servedBy = (r: { response: Response }) => r.response.headers.get('x-switchyard-replica');

describe('providerUrl', () => {
  it.each([
    [
      'https://api.openai.com/v1',
      '/v1/chat/completions',
      'https://api.openai.com/v1/chat/completions',
    ],
    ['https://api.openai.com/v1/', '/v1/completions', 'https://api.openai.com/v1/completions'],
    ['https://gw.example/openai/v1', '/v1/embeddings', 'https://gw.example/openai/v1/embeddings'],
    ['https://api.example', '/v1/chat/completions', 'https://api.example/chat/completions'],
  ])('%s + %s → %s', (base, path, url) => {
    expect(providerUrl(base, path)).toBe(url);
  });
});

describe('providerBody', () => {
  it('asks for the provider’s model and drops the tenant’s cache salt, keeping everything else', () => {
    const body = { model: 'tiny', cache_salt: 'abc', temperature: 0, stream: true, top_k: 5 };
    expect(providerBody(body, provider)).toEqual({
      model: 'provider-tiny',
      temperature: 0,
      stream: true,
      top_k: 5,
    });
    expect(body.cache_salt).toBe('abc');
  });
});

describe('catalogueProviders', () => {
  const catalogue = buildModelCatalogue(
    JSON.stringify({
      version: 1,
      models: {
        'gpt-4o-mini': {
          provider: { baseUrl: 'https://api.openai.com/v1', apiKeySecret: 'OPENAI_KEY' },
        },
        tiny: {
          provider: {
            baseUrl: 'https://eu.gateway.example/v1',
            apiKeySecret: 'EU_KEY',
            model: 'their-tiny',
          },
        },
        local: {},
      },
      aliases: {},
      routes: {},
    }),
  );

  function recordingLogger() {
    const warnings: unknown[] = [];
    const logger: Logger = {
      info: () => undefined,
      warn: (msg, fields) => warnings.push({ msg, ...fields }),
      error: () => undefined,
    };
    return { logger, warnings };
  }

  it('names a provider by its host and uses our model name unless the catalogue gives theirs', () => {
    const { logger } = recordingLogger();
    const providers = catalogueProviders(
      catalogue.models,
      { OPENAI_KEY: 'sk-1', EU_KEY: 'sk-2' },
      logger,
    );
    expect(providers.forModel('gpt-4o-mini')).toEqual({
      name: 'api.openai.com',
      baseUrl: 'https://api.openai.com/v1',
      apiKey: 'sk-1',
      model: 'gpt-4o-mini',
    });
    expect(providers.forModel('tiny')).toMatchObject({
      name: 'eu.gateway.example',
      model: 'their-tiny',
    });
    expect(providers.forModel('local')).toBeUndefined();
    expect(providers.forModel('constructor')).toBeUndefined();
  });

  it('has no provider for a model whose secret is unset, and says so once, never with a key', () => {
    const { logger, warnings } = recordingLogger();
    const providers = catalogueProviders(catalogue.models, { EU_KEY: '' }, logger);
    expect(providers.forModel('gpt-4o-mini')).toBeUndefined();
    expect(providers.forModel('gpt-4o-mini')).toBeUndefined();
    expect(providers.forModel('tiny')).toBeUndefined();
    expect(warnings).toEqual([
      { msg: 'spillover provider has no key', model: 'gpt-4o-mini', secret: 'OPENAI_KEY' },
      { msg: 'spillover provider has no key', model: 'tiny', secret: 'EU_KEY' },
    ]);
  });
});

describe('poolSaturated', () => {
  const at = { model: 'tiny', nowMs: fixedNowMs, staleMs: 5000 };
  it.each([
    ['every ready replica queueing', [{ waiting: 2 }, { waiting: 1 }], true],
    ['one ready replica without a queue', [{ waiting: 2 }, { waiting: 0 }], false],
    [
      'a queueing replica and a sleeping one',
      [{ waiting: 3 }, { state: 'sleeping' as const }],
      true,
    ],
    [
      'no ready replica at all (none_ready, not saturation)',
      [{ state: 'sleeping' as const }],
      false,
    ],
    [
      'a stale idle replica does not count as room',
      [{ waiting: 1 }, { lastSeenMs: fixedNowMs - 60_000 }],
      true,
    ],
    [
      'a queueing replica of another model',
      [{ waiting: 0, models: ['other'] }, { waiting: 1 }],
      true,
    ],
  ])('%s → %s', (_, overrides, saturated) => {
    const replicas = overrides.map((o, i) => replica({ replicaId: `r${i}`, ...o }));
    expect(poolSaturated({ ...at, replicas })).toBe(saturated);
  });

  it('leaves out replicas the caller cannot use (ejected or already tried)', () => {
    const replicas = [
      replica({ replicaId: 'a', waiting: 0 }),
      replica({ replicaId: 'b', waiting: 4 }),
    ];
    expect(poolSaturated({ ...at, replicas, admissible: (id) => id !== 'a' })).toBe(true);
  });
});

describe('spillover to a provider', () => {
  it('serves a model no replica is ready for from its provider, with only the provider’s key', async () => {
    const { pool, upstream, send } = spillApp([replica({ state: 'failed' })]);
    const { key } = await createKey();
    const sent = await send('/v1/chat/completions', jsonRequest(key, chat({ temperature: 0.2 })));

    expect(sent.response.status).toBe(200);
    expect(servedBy(sent)).toBe('provider:api.provider.test');
    expect(sent.response.headers.get('x-switchyard-model')).toBe('tiny');
    expect(JSON.parse(sent.text)).toMatchObject({
      choices: [{ message: { content: 'Hello from the fake engine.' } }],
    });
    expect(pool.requests).toHaveLength(0);
    expect(upstream.requests).toHaveLength(1);
    const [request] = upstream.requests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-provider-secret');
    expect(request?.body).toMatchObject({ model: 'provider-tiny', temperature: 0.2 });
    expect(request?.body).not.toHaveProperty('cache_salt');
    // Nothing of the pool's credential, the request id or the client's key goes to a provider.
    const headerText = JSON.stringify(request?.headers);
    expect(headerText).not.toContain(key);
    expect(headerText).not.toContain(testPoolSecret);
    expect(Object.keys(request?.headers ?? {}).filter((h) => h.startsWith('x-'))).toEqual([]);

    const requestId = sent.response.headers.get('x-request-id');
    expect(await usageRow(requestId)).toMatchObject({
      status: 'ok',
      replica_id: 'provider:api.provider.test',
      served_model: 'tiny',
      prompt_tokens: 11,
      completion_tokens: 6,
    });
    expect(await attempts(requestId)).toEqual([
      { attempt: 1, replica_id: 'provider:api.provider.test', http_status: 200 },
    ]);
  });

  it('serves a model only the catalogue knows (no replica at all) from its provider', async () => {
    const { upstream, send } = spillApp([replica({ models: ['other'] })]);
    const { key } = await createKey();
    const sent = await send('/v1/chat/completions', jsonRequest(key, chat()));
    expect(sent.response.status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
  });

  it('streams from the provider with usage and [DONE]', async () => {
    const { pool, upstream, send } = spillApp([replica({ waiting: 3 })]);
    const { key } = await createKey();
    const sent = await send(
      '/v1/chat/completions',
      jsonRequest(key, chat({ stream: true, stream_options: { include_usage: true } })),
    );
    expect(servedBy(sent)).toBe('provider:api.provider.test');
    const events = dataEvents(sent.text);
    expect(events.at(-1)).toBe('[DONE]');
    expect(JSON.parse(events.at(-2) ?? '{}')).toMatchObject({ usage: { total_tokens: 17 } });
    expect(pool.requests).toHaveLength(0);
    expect(upstream.requests[0]?.body).toMatchObject({ stream_options: { include_usage: true } });
    expect(await usageRow(sent.response.headers.get('x-request-id'))).toMatchObject({
      status: 'ok',
      completion_tokens: 6,
      replica_id: 'provider:api.provider.test',
    });
  });

  it('goes to the provider while every ready replica is queueing, and to the pool once one is not', async () => {
    const busy = spillApp([
      replica({ replicaId: 'a', waiting: 2 }),
      replica({ replicaId: 'b', waiting: 1 }),
    ]);
    const { key } = await createKey();
    expect(servedBy(await busy.send('/v1/chat/completions', jsonRequest(key, chat())))).toBe(
      'provider:api.provider.test',
    );

    const roomy = spillApp([
      replica({ replicaId: 'a', waiting: 2 }),
      replica({ replicaId: 'b', waiting: 0 }),
    ]);
    const sent = await roomy.send('/v1/chat/completions', jsonRequest(key, chat()));
    // Either replica: which one is the load bound's call (LOAD_FACTOR), not spillover's.
    expect(['a', 'b']).toContain(servedBy(sent));
    expect(roomy.pool.requests).toHaveLength(1);
    expect(roomy.pool.requests[0]?.body).toHaveProperty('cache_salt');
    expect(roomy.upstream.requests).toHaveLength(0);
  });

  it('tries the provider when the last replica fails before the first byte', async () => {
    const { pool, upstream, send } = spillApp([replica()], {
      pool: { ...defaultScript, failWith: { status: 503, body: '{"error":{"message":"busy"}}' } },
    });
    const { key } = await createKey();
    const sent = await send('/v1/chat/completions', jsonRequest(key, chat()));
    expect(sent.response.status).toBe(200);
    expect(servedBy(sent)).toBe('provider:api.provider.test');
    expect(pool.requests).toHaveLength(1);
    expect(upstream.requests).toHaveLength(1);
    expect(await attempts(sent.response.headers.get('x-request-id'))).toEqual([
      { attempt: 1, replica_id: 'r1', http_status: 503 },
      { attempt: 2, replica_id: 'provider:api.provider.test', http_status: 200 },
    ]);
  });

  it('does not spill a request the pool rejected as bad (4xx)', async () => {
    const { upstream, send } = spillApp([replica()], {
      pool: {
        ...defaultScript,
        failWith: { status: 400, body: '{"error":{"message":"too long"}}' },
      },
    });
    const { key } = await createKey();
    const sent = await send('/v1/chat/completions', jsonRequest(key, chat()));
    expect(sent.response.status).toBe(400);
    expect(upstream.requests).toHaveLength(0);
  });

  it.each([
    [500, 502, 'upstream_error'],
    // The provider refusing our key is our fault, never the client's: not a 401.
    [401, 502, 'upstream_error'],
    [429, 503, 'no_replica_available'],
  ])(
    'a provider answering %i gives the client %i %s, recorded once',
    async (status, clientStatus, code) => {
      const { send } = spillApp([replica({ state: 'draining' })], {
        provider: {
          ...defaultScript,
          failWith: { status, body: '{"error":{"message":"provider says no"}}' },
        },
      });
      const { key } = await createKey();
      const sent = await send('/v1/chat/completions', jsonRequest(key, chat()));
      expect(sent.response.status).toBe(clientStatus);
      const body = JSON.parse(sent.text) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message).not.toContain('provider says no');
      expect(await usageRow(sent.response.headers.get('x-request-id'))).toMatchObject({
        error_code: code,
        replica_id: 'provider:api.provider.test',
      });
    },
  );

  it('without a provider, a model with no ready replica is still a 503 with Retry-After', async () => {
    const pool = createFakeOrigin();
    const { send } = testApp({
      originFetch: pool.fetch,
      pool: staticPool([replica({ state: 'failed' })]),
    });
    const { key } = await createKey();
    const sent = await send('/v1/chat/completions', jsonRequest(key, chat()));
    expect(sent.response.status).toBe(503);
    expect(sent.response.headers.get('retry-after')).toBe('1');
  });
});

describe('/v1/models with spillover', () => {
  it('lists a catalogue model only a provider serves, while its key is set', async () => {
    const catalogue = buildModelCatalogue(
      JSON.stringify({
        version: 1,
        models: {
          'gpt-x': { provider: { baseUrl: 'https://api.provider.test/v1', apiKeySecret: 'X_KEY' } },
          'gpt-unkeyed': {
            provider: { baseUrl: 'https://api.provider.test/v1', apiKeySecret: 'Y_KEY' },
          },
        },
        aliases: {},
        routes: {},
      }),
    );
    const origin = createFakeOrigin();
    const { send } = testApp({
      originFetch: origin.fetch,
      pool: staticPool([replica()]),
      models: catalogue,
      providers: { 'gpt-x': { ...provider, model: 'gpt-x' } },
    });
    const { key } = await createKey();
    const listed = await send('/v1/models', { headers: { authorization: `Bearer ${key}` } });
    const ids = (JSON.parse(listed.text) as { data: { id: string }[] }).data.map((m) => m.id);
    expect(ids).toEqual(['gpt-x', 'tiny']);
    const one = await send('/v1/models/gpt-x', { headers: { authorization: `Bearer ${key}` } });
    expect(JSON.parse(one.text)).toEqual({
      id: 'gpt-x',
      object: 'model',
      created: 0,
      owned_by: 'switchyard',
      revisions: [],
    });
  });
});
