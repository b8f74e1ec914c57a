import { describe, expect, it } from 'vitest';
import { createOriginEmbedder } from '../../worker/cache/semantic/origin-embedder';
import {
  createVectorizeIndex,
  type VectorizeBinding,
} from '../../worker/cache/semantic/vectorize-index';
import {
  createWorkersAiEmbedder,
  type AiRunner,
} from '../../worker/cache/semantic/workers-ai-embedder';

/** The production adapters against small fakes of their bindings (no network here). */

const vectorOf = (text: string, dimensions: number): number[] =>
  Array.from({ length: dimensions }, (_, i) => (i === text.length % dimensions ? 3 : 0));

function fakeAi(answer?: (inputs: { text: string[] }) => unknown) {
  const calls: { model: string; inputs: { text: string[]; pooling?: string } }[] = [];
  const ai = {
    run: (model: string, inputs: { text: string[]; pooling?: string }) => {
      calls.push({ model, inputs });
      const dimensions = model.includes('base') ? 768 : 384;
      return Promise.resolve(
        answer?.(inputs) ?? {
          shape: [inputs.text.length, dimensions],
          data: inputs.text.map((t) => vectorOf(t, dimensions)),
        },
      );
    },
  };
  return { ai: ai as unknown as AiRunner, calls };
}

describe('Workers AI embedder', () => {
  it('embeds with bge-small and cls pooling by default, unit-length, in order', async () => {
    const { ai, calls } = fakeAi();
    const embedder = createWorkersAiEmbedder(ai);
    const vectors = await embedder.embed(['a', 'bb']);
    expect(embedder).toMatchObject({
      dimensions: 384,
      id: 'workers-ai:@cf/baai/bge-small-en-v1.5:cls',
    });
    expect(calls).toEqual([
      { model: '@cf/baai/bge-small-en-v1.5', inputs: { text: ['a', 'bb'], pooling: 'cls' } },
    ]);
    expect(vectors.map((v) => v.indexOf(1))).toEqual([1, 2]);
  });

  it('uses the base model with 768 dimensions when configured', async () => {
    const { ai } = fakeAi();
    const embedder = createWorkersAiEmbedder(ai, '@cf/baai/bge-base-en-v1.5');
    expect(embedder.dimensions).toBe(768);
    expect((await embedder.embed(['x']))[0]).toHaveLength(768);
  });

  it('sends at most 100 texts per call and keeps the order across calls', async () => {
    const { ai, calls } = fakeAi();
    const texts = Array.from({ length: 250 }, (_, i) => 'x'.repeat(i));
    const vectors = await createWorkersAiEmbedder(ai).embed(texts);
    expect(calls.map((c) => c.inputs.text.length)).toEqual([100, 100, 50]);
    expect(vectors.map((v) => v.indexOf(1))).toEqual(texts.map((t) => t.length % 384));
  });

  it('makes no call for no texts', async () => {
    const { ai, calls } = fakeAi();
    expect(await createWorkersAiEmbedder(ai).embed([])).toEqual([]);
    expect(calls).toEqual([]);
  });

  it.each([
    ['an async-queue answer', { request_id: 'r1' }],
    ['too few vectors', { data: [vectorOf('a', 384)] }],
    [
      'vectors of another size',
      {
        data: [
          [1, 2, 3],
          [1, 2, 3],
        ],
      },
    ],
    ['a non-number', { data: [vectorOf('a', 383).concat(Number.NaN), vectorOf('b', 384)] }],
  ])('rejects %s', async (_name, answer) => {
    const { ai } = fakeAi(() => answer);
    await expect(createWorkersAiEmbedder(ai).embed(['a', 'b'])).rejects.toThrow(/Workers AI/);
  });
});

describe('origin embedder', () => {
  const okResponse = (data: unknown) => new Response(JSON.stringify({ object: 'list', data }));

  it('posts the OpenAI embeddings request and orders the answer by index', async () => {
    const sent: { path: string; body: unknown }[] = [];
    const embedder = createOriginEmbedder(
      (path, body) => {
        sent.push({ path, body: JSON.parse(body) });
        return Promise.resolve(
          okResponse([
            { index: 1, embedding: [0, 2] },
            { index: 0, embedding: [5, 0] },
          ]),
        );
      },
      { model: 'BAAI/bge-small-en-v1.5', dimensions: 2 },
    );
    expect(await embedder.embed(['first', 'second'])).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(sent).toEqual([
      {
        path: '/v1/embeddings',
        body: {
          model: 'BAAI/bge-small-en-v1.5',
          input: ['first', 'second'],
          encoding_format: 'float',
        },
      },
    ]);
    expect(embedder).toMatchObject({ id: 'origin:BAAI/bge-small-en-v1.5', dimensions: 2 });
  });

  it.each([
    ['an error status', () => new Response('busy', { status: 503 }), /503/],
    ['a body that is not JSON', () => new Response('<html>'), /unreadable/],
    [
      'a missing index',
      () =>
        okResponse([
          { index: 0, embedding: [1, 0] },
          { index: 2, embedding: [0, 1] },
        ]),
      /valid/,
    ],
    [
      'another size',
      () =>
        okResponse([
          { index: 0, embedding: [1, 0, 0] },
          { index: 1, embedding: [0, 1, 0] },
        ]),
      /valid/,
    ],
  ])('rejects %s', async (_name, respond, message) => {
    const embedder = createOriginEmbedder(() => Promise.resolve(respond()), {
      model: 'm',
      dimensions: 2,
    });
    await expect(embedder.embed(['a', 'b'])).rejects.toThrow(message);
  });
});

function fakeVectorize() {
  const calls: { method: string; args: unknown[] }[] = [];
  const binding = {
    query: (...args: unknown[]) => {
      calls.push({ method: 'query', args });
      return Promise.resolve({
        count: 1,
        matches: [
          { id: 'k1', score: 0.93, metadata: { prompt: 'hi', tokens: 7, flag: true, list: ['x'] } },
        ],
      });
    },
    upsert: (...args: unknown[]) => {
      calls.push({ method: 'upsert', args });
      return Promise.resolve({ ids: [], count: 0 });
    },
    deleteByIds: (...args: unknown[]) => {
      calls.push({ method: 'deleteByIds', args });
      return Promise.resolve({ ids: [], count: 0 });
    },
  };
  return { binding: binding as unknown as VectorizeBinding, calls };
}

describe('Vectorize index', () => {
  it('queries one namespace with full metadata, topK capped at 20, and keeps strings and numbers', async () => {
    const { binding, calls } = fakeVectorize();
    const matches = await createVectorizeIndex(binding).query([0.1, 0.2], {
      topK: 50,
      namespace: 'scope-1',
    });
    expect(calls).toEqual([
      {
        method: 'query',
        args: [
          [0.1, 0.2],
          { topK: 20, namespace: 'scope-1', returnMetadata: 'all', returnValues: false },
        ],
      },
    ]);
    expect(matches).toEqual([{ id: 'k1', score: 0.93, metadata: { prompt: 'hi', tokens: 7 } }]);
  });

  it('upserts in batches of 1000 with the namespace on every vector', async () => {
    const { binding, calls } = fakeVectorize();
    const entries = Array.from({ length: 2500 }, (_, i) => ({
      id: `id-${i}`,
      values: [1, 0],
      namespace: 'scope-1',
      metadata: { n: i },
    }));
    await createVectorizeIndex(binding).upsert(entries);
    const batches = calls.map((c) => c.args[0] as { namespace: string }[]);
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(batches.flat().every((v) => v.namespace === 'scope-1')).toBe(true);
  });

  it('refuses a query without a namespace before reaching Vectorize (no unpartitioned search)', async () => {
    const { binding, calls } = fakeVectorize();
    await expect(
      createVectorizeIndex(binding).query([1], { topK: 1, namespace: '' }),
    ).rejects.toThrow(RangeError);
    expect(calls).toEqual([]);
  });

  it('deletes by id', async () => {
    const { binding, calls } = fakeVectorize();
    await createVectorizeIndex(binding).deleteByIds(['a', 'b']);
    expect(calls).toEqual([{ method: 'deleteByIds', args: [['a', 'b']] }]);
  });
});
