import { describe, expect, it } from 'vitest';
import { cosineSimilarity, decodeBase64Float32, embedText } from '../../../origin/sim/embeddings';
import { createTestSim, postJson } from './sim-test-kit';

interface EmbeddingBody {
  id: string;
  object: 'list';
  model: string;
  data: { index: number; object: 'embedding'; embedding: number[] | string }[];
  usage: { prompt_tokens: number; total_tokens: number };
}

const embed = async (body: unknown, dimensions = 384): Promise<EmbeddingBody> => {
  const { app } = createTestSim({ simEmbeddingDim: dimensions });
  const response = await postJson(app, '/v1/embeddings', body);
  expect(response.status).toBe(200);
  return (await response.json()) as EmbeddingBody;
};

describe('POST /v1/embeddings', () => {
  it('returns one float vector per input with usage', async () => {
    const body = await embed({ model: 'sim-model', input: ['Hello world', 'Goodbye'] });
    expect(body).toMatchObject({ object: 'list', model: 'sim-model' });
    expect(body.data.map((item) => [item.index, item.object])).toEqual([
      [0, 'embedding'],
      [1, 'embedding'],
    ]);
    expect(body.data[0]?.embedding).toEqual(embedText('Hello world', 384));
    expect(body.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
  });

  it('returns base64 that decodes as little-endian float32 to the float vector', async () => {
    const input = 'What is the capital of France?';
    const floats = await embed({ model: 'sim-model', input, encoding_format: 'float' });
    const encoded = await embed({ model: 'sim-model', input, encoding_format: 'base64' });
    const base64 = encoded.data[0]?.embedding;
    expect(typeof base64).toBe('string');
    const decoded = decodeBase64Float32(base64 as string);
    expect(decoded).toHaveLength(384);
    decoded.forEach((x, i) =>
      expect(x).toBeCloseTo((floats.data[0]?.embedding as number[])[i] ?? NaN, 6),
    );
  });

  it('honours --sim-embedding-dim', async () => {
    const body = await embed({ model: 'sim-model', input: 'x' }, 16);
    expect(body.data[0]?.embedding).toHaveLength(16);
  });

  it('embeds token-id input', async () => {
    const body = await embed({ model: 'sim-model', input: [101, 2023, 102] });
    expect(body.usage.prompt_tokens).toBe(3);
    expect(body.data).toHaveLength(1);
  });

  it('gives similar texts similar vectors', async () => {
    const body = await embed({
      model: 'sim-model',
      input: ['How do I reset my password?', 'how can I reset my password', 'Best pizza in Naples'],
    });
    const [a, b, c] = body.data.map((item) => item.embedding as number[]);
    expect(cosineSimilarity(a ?? [], b ?? [])).toBeGreaterThan(cosineSimilarity(a ?? [], c ?? []));
  });
});
