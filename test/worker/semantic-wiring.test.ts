import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  createSemanticCache,
  type SemanticBindings,
  type SemanticSettings,
} from '../../worker/cache/semantic/create-semantic-cache';
import { localEmbedderThreshold } from '../../worker/cache/semantic/local-embedder';
import { createPoolEmbeddingsPost } from '../../worker/cache/semantic/pool-embeddings-post';
import type { VectorizeBinding } from '../../worker/cache/semantic/vectorize-index';
import type { AiRunner } from '../../worker/cache/semantic/workers-ai-embedder';
import { signatureHeader } from '../../contracts/signature';
import { depsFromEnv } from '../../worker/bindings';
import { replica, staticPool, testApp } from './support/harness';

const settings = (overrides: Partial<SemanticSettings> = {}): SemanticSettings => ({
  embedder: undefined,
  aiModel: '@cf/baai/bge-small-en-v1.5',
  originModel: undefined,
  originDimensions: undefined,
  threshold: undefined,
  indexVisibilityDelayMs: 0,
  indexMaxEntries: 100,
  ...overrides,
});

const fakeAi = { run: () => Promise.resolve({ data: [] }) } as unknown as AiRunner;

function bindings(overrides: Partial<SemanticBindings> = {}) {
  const posts: string[] = [];
  const vectorizeQueries: unknown[] = [];
  const vectorize = {
    query: (...args: unknown[]) => {
      vectorizeQueries.push(args);
      return Promise.resolve({ count: 0, matches: [] });
    },
  } as unknown as VectorizeBinding;
  const all: SemanticBindings = {
    ai: undefined,
    vectorize: undefined,
    localIndex: env.SEMANTIC_INDEX,
    originPost: (model) => {
      posts.push(model);
      return () => Promise.resolve(new Response('{}', { status: 500 }));
    },
    clock: { nowMs: () => 0 },
    ...overrides,
  };
  return { all, posts, vectorize, vectorizeQueries };
}

describe('createSemanticCache', () => {
  it('runs offline by default: local embedder, local index, the measured threshold', () => {
    const cache = createSemanticCache(settings(), bindings().all);
    expect(cache.embedder.id).toMatch(/^local-/);
    expect(cache.threshold).toBe(localEmbedderThreshold);
    expect(cache.guardsPass('sort ascending', 'sort descending')).toBe(false);
  });

  it('embeds with Workers AI when the AI binding exists, with no invented threshold', () => {
    const cache = createSemanticCache(settings(), bindings({ ai: fakeAi }).all);
    expect(cache.embedder.id).toBe('workers-ai:@cf/baai/bge-small-en-v1.5:cls');
    expect(cache.threshold).toBeUndefined();
  });

  it("takes the operator's threshold over the measured one", () => {
    expect(createSemanticCache(settings({ threshold: 0.8 }), bindings().all).threshold).toBe(0.8);
  });

  it('honours SEMANTIC_EMBEDDER=local even where Workers AI is bound', () => {
    const cache = createSemanticCache(
      settings({ embedder: 'local' }),
      bindings({ ai: fakeAi }).all,
    );
    expect(cache.embedder.id).toMatch(/^local-/);
  });

  it('builds the origin embedder with its model and the pool post for that model', () => {
    const b = bindings();
    const cache = createSemanticCache(
      settings({ embedder: 'origin', originModel: 'bge-m', originDimensions: 384 }),
      b.all,
    );
    expect(cache.embedder).toMatchObject({ id: 'origin:bge-m', dimensions: 384 });
    expect(b.posts).toEqual(['bge-m']);
  });

  it.each([
    ['workers-ai without the AI binding', settings({ embedder: 'workers-ai' }), /AI binding/],
    ['origin without a model', settings({ embedder: 'origin' }), /SEMANTIC_ORIGIN_MODEL/],
  ])('refuses %s at startup', (_name, s, message) => {
    expect(() => createSemanticCache(s, bindings().all)).toThrow(message);
  });

  it('searches Vectorize when it is bound', async () => {
    const b = bindings();
    const cache = createSemanticCache(settings(), { ...b.all, vectorize: b.vectorize });
    await cache.index.query([1, 0], { topK: 5, namespace: 'scope' });
    expect(b.vectorizeQueries).toHaveLength(1);
  });

  it('is wired into the deps the Worker builds from its env (no AI here: local)', () => {
    const semantic = depsFromEnv(env).semantic;
    expect(semantic?.embedder.id).toMatch(/^local-/);
    expect(semantic?.threshold).toBe(localEmbedderThreshold);
  });
});

describe('pool embeddings post', () => {
  it('sends a signed POST to a ready replica serving the embedding model', async () => {
    const seen: Request[] = [];
    const { deps } = testApp({
      originFetch: (request) => {
        seen.push(request);
        return Promise.resolve(new Response('{"data":[]}'));
      },
      pool: staticPool([
        replica({ replicaId: 'chat', url: 'http://chat.test', models: ['tiny'] }),
        replica({ replicaId: 'emb', url: 'http://emb.test', models: ['bge'] }),
      ]),
    });
    const response = await createPoolEmbeddingsPost(deps, 'bge')('/v1/embeddings', '{"input":[]}');
    expect(await response.text()).toBe('{"data":[]}');
    expect(seen.map((r) => r.url)).toEqual(['http://emb.test/v1/embeddings']);
    expect(await seen[0]!.text()).toBe('{"input":[]}');
    expect(seen[0]!.headers.get(signatureHeader)).toMatch(/^[0-9a-f]{64}$/);
    expect(deps.inFlight.get('emb')).toBe(0);
  });

  it('fails (a miss for the cache) when no ready replica serves the model', async () => {
    const { deps } = testApp({
      originFetch: () => Promise.reject(new Error('must not be called')),
      pool: staticPool([replica({ models: ['tiny'] })]),
    });
    await expect(createPoolEmbeddingsPost(deps, 'bge')('/v1/embeddings', '{}')).rejects.toThrow(
      /no ready replica serves bge/,
    );
  });
});
