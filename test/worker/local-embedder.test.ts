import { describe, expect, it } from 'vitest';
import { createLocalEmbedder } from '../../worker/cache/semantic/local-embedder';

const cosine = (a: readonly number[], b: readonly number[]) =>
  a.reduce((sum, v, i) => sum + v * b[i]!, 0);

describe('local embedder', () => {
  const embedder = createLocalEmbedder();

  it('is deterministic across calls and instances', async () => {
    const text = 'How do I rotate a matrix by 90 degrees in NumPy?';
    const [a] = await embedder.embed([text]);
    const [b] = await createLocalEmbedder().embed([text]);
    expect(a).toEqual(b);
  });

  it.each(['Short.', 'A much longer prompt about deploying a worker to the edge '.repeat(20)])(
    'returns unit vectors of the configured size (%#)',
    async (text) => {
      const [vector] = await embedder.embed([text]);
      expect(vector).toHaveLength(embedder.dimensions);
      expect(Math.hypot(...vector!)).toBeCloseTo(1, 10);
    },
  );

  it('keeps an empty prompt at the zero vector, similar to nothing', async () => {
    const [vector] = await embedder.embed(['  ?! ']);
    expect(vector!.every((v) => v === 0)).toBe(true);
  });

  it('embeds a batch in order', async () => {
    const texts = ['first prompt', 'second prompt', 'third prompt'];
    const batch = await embedder.embed(texts);
    const single = await Promise.all(texts.map(async (t) => (await embedder.embed([t]))[0]));
    expect(batch).toEqual(single);
  });

  it('names its dimensions in its id, so vectors of another size are never compared', () => {
    const small = createLocalEmbedder({ dimensions: 64 });
    expect(small.dimensions).toBe(64);
    expect(small.id).not.toBe(embedder.id);
  });

  it('scores a reworded prompt above an unrelated one', async () => {
    const [stored, reworded, unrelated] = await embedder.embed([
      'How can I rename a column in a pandas DataFrame?',
      'rename a pandas dataframe column',
      'What is a good name for a golden retriever?',
    ]);
    expect(cosine(stored!, reworded!)).toBeGreaterThan(0.6);
    expect(cosine(stored!, unrelated!)).toBeLessThan(0.2);
  });

  it('ignores case, punctuation, filler words and plural endings', async () => {
    const [a, b] = await embedder.embed([
      'Please list the rivers of Portugal.',
      'list the river of portugal',
    ]);
    expect(cosine(a!, b!)).toBeCloseTo(1, 10);
  });

  it('keeps numbers distinct: another number is another vector', async () => {
    const [a, b] = await embedder.embed(['wait 30 seconds', 'wait 31 seconds']);
    expect(cosine(a!, b!)).toBeLessThan(0.99);
  });
});
