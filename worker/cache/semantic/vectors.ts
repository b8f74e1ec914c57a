/** Vector arithmetic the embedders and the local index share. */

export function l2Normalised(values: readonly number[]): number[] {
  const norm = Math.hypot(...values);
  return norm === 0 ? [...values] : values.map((v) => v / norm);
}

/** Cosine similarity in [-1, 1]; 0 when either vector is all zeros (similar to nothing). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

/**
 * An embedding service's answer checked before anyone trusts it (RELIABILITY V3): one vector per
 * text, each of the expected size, finite numbers only. Returned unit-length, so a dot product is
 * the cosine for every consumer (the index, the router).
 */
export function checkedEmbeddings(
  source: string,
  vectors: unknown,
  count: number,
  dimensions: number,
): number[][] {
  const valid =
    Array.isArray(vectors) &&
    vectors.length === count &&
    vectors.every(
      (v): v is number[] =>
        Array.isArray(v) &&
        v.length === dimensions &&
        v.every((x) => typeof x === 'number' && Number.isFinite(x)),
    );
  if (!valid) {
    throw new Error(
      `${source} returned no valid ${dimensions}-dimension embedding for each of ${count} texts`,
    );
  }
  return vectors.map(l2Normalised);
}
