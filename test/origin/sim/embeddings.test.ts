import { describe, expect, it } from 'vitest';
import {
  cosineSimilarity,
  decodeBase64Float32,
  embedText,
  encodeBase64Float32,
} from '../../../origin/sim/embeddings';

const norm = (vector: number[]): number => Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));

describe('embedText', () => {
  it.each(['', 'a', 'Hello world', 'x'.repeat(5000), '日本語のテキスト'])(
    'returns a unit-length vector of the asked dimension for %j',
    (text) => {
      const vector = embedText(text, 384);
      expect(vector).toHaveLength(384);
      expect(norm(vector)).toBeCloseTo(1, 6);
    },
  );

  it('returns the same vector for the same text and ignores letter case', () => {
    expect(embedText('What is the capital of France?', 64)).toEqual(
      embedText('what is the CAPITAL of france?', 64),
    );
  });

  it('places a paraphrase closer than an unrelated text', () => {
    const question = embedText('What is the capital of France?', 384);
    const paraphrase = embedText('what is the capital city of France', 384);
    const unrelated = embedText('How do I bake sourdough bread at home?', 384);
    expect(cosineSimilarity(question, paraphrase)).toBeGreaterThan(0.7);
    expect(cosineSimilarity(question, unrelated)).toBeLessThan(0.3);
  });
});

describe('base64 float32 encoding', () => {
  it('round-trips a vector through little-endian float32 bytes', () => {
    const vector = [0.5, -0.25, 1, 0, -1, 0.1];
    const encoded = encodeBase64Float32(vector);
    expect(Buffer.from(encoded, 'base64')).toHaveLength(vector.length * 4);
    expect(Buffer.from(encoded, 'base64').readFloatLE(4)).toBe(-0.25);
    decodeBase64Float32(encoded).forEach((x, i) => expect(x).toBeCloseTo(vector[i] ?? NaN, 6));
  });
});
