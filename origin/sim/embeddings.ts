import { hash32 } from './seeded-random';

/** Character n-gram length: trigrams make texts that share words and spellings land close together. */
const ngramLength = 3;

/**
 * A deterministic unit-length embedding of `text`: each character trigram of the lower-cased text
 * (padded with a space on both sides, so word starts and ends count) adds ±1 to a bucket chosen by
 * its hash — the "hashing trick". Texts that share many trigrams get a high cosine similarity;
 * unrelated texts land near 0. No model, but the geometry is good enough to exercise semantic
 * caching and routing thresholds.
 */
export function embedText(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const padded = ` ${text.toLowerCase()} `;
  const lastStart = Math.max(0, padded.length - ngramLength);
  for (let start = 0; start <= lastStart; start++) {
    const gram = padded.slice(start, start + ngramLength);
    const hash = hash32(gram);
    const bucket = hash % dimensions;
    // A second, independent bit picks the sign, so collisions cancel instead of piling up.
    const sign = hash32(gram, 0x9e3779b9) & 1 ? 1 : -1;
    vector[bucket] = (vector[bucket] ?? 0) + sign;
  }
  return normalize(vector);
}

function normalize(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  // Only possible when signs cancel exactly; fall back to a fixed unit vector rather than NaNs.
  if (norm === 0) return vector.map((_, i) => (i === 0 ? 1 : 0));
  return vector.map((x) => x / norm);
}

/**
 * OpenAI's `encoding_format: "base64"`: the vector as little-endian float32 bytes, base64-encoded.
 * The official clients decode exactly this (and ask for it by default), so the byte order is
 * written explicitly rather than left to the host.
 */
export function encodeBase64Float32(vector: readonly number[]): string {
  const bytes = new DataView(new ArrayBuffer(vector.length * 4));
  vector.forEach((x, i) => bytes.setFloat32(i * 4, x, true));
  return Buffer.from(bytes.buffer).toString('base64');
}

/** The inverse of {@link encodeBase64Float32}, as a client would decode it. */
export function decodeBase64Float32(encoded: string): number[] {
  const buffer = Buffer.from(encoded, 'base64');
  const bytes = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return Array.from({ length: buffer.byteLength / 4 }, (_, i) => bytes.getFloat32(i * 4, true));
}

/** Cosine similarity of two vectors of equal length. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  a.forEach((x, i) => {
    const y = b[i] ?? 0;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  });
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}
