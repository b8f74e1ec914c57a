import type { VectorEntry } from '../../ports';

/**
 * Vectorize's documented limits (developers.cloudflare.com/vectorize/platform/limits), enforced by
 * both index adapters so that what works against the local index also works in production.
 */
export const vectorLimits = {
  /** topK when values or metadata are returned; the semantic cache always wants the metadata. */
  maxTopKWithMetadata: 20,
  maxIdBytes: 64,
  maxNamespaceBytes: 64,
  maxMetadataBytes: 10 * 1024,
  /** Vectors per upsert call from a Worker. */
  maxBatch: 1000,
  maxDimensions: 1536,
} as const;

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

/** topK as Vectorize would serve it: at least 1, at most the cap for queries with metadata. */
export function cappedTopK(topK: number): number {
  return Math.min(vectorLimits.maxTopKWithMetadata, Math.max(1, Math.floor(topK)));
}

/**
 * The namespace is the tenant/scope partition (RELIABILITY K3): it must be explicit, never empty,
 * because "no namespace" would mean "search everything".
 */
export function checkNamespace(namespace: string): void {
  if (namespace === '' || utf8Bytes(namespace) > vectorLimits.maxNamespaceBytes) {
    throw new RangeError(
      `vector namespace must be 1–${vectorLimits.maxNamespaceBytes} bytes, got ${utf8Bytes(namespace)}`,
    );
  }
}

/** Rejects an entry Vectorize would reject, with the reason. */
export function checkEntry(entry: VectorEntry): void {
  checkNamespace(entry.namespace);
  if (entry.id === '' || utf8Bytes(entry.id) > vectorLimits.maxIdBytes) {
    throw new RangeError(`vector id must be 1–${vectorLimits.maxIdBytes} bytes: ${entry.id}`);
  }
  checkVector(entry.values);
  const metadataBytes = utf8Bytes(JSON.stringify(entry.metadata));
  if (metadataBytes > vectorLimits.maxMetadataBytes) {
    throw new RangeError(`vector metadata is ${metadataBytes} bytes, over 10 KiB: ${entry.id}`);
  }
}

export function checkVector(values: readonly number[]): void {
  if (values.length === 0 || values.length > vectorLimits.maxDimensions) {
    throw new RangeError(`vector must have 1–${vectorLimits.maxDimensions} dimensions`);
  }
  if (!values.every(Number.isFinite)) throw new RangeError('vector values must be finite numbers');
}

/** Splits a list into slices of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
