import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createLocalVectorIndex } from '../../worker/cache/semantic/local-vector-index';
import type { VectorEntry } from '../../worker/ports';
import { seededRng } from './support/harness';

/** The local index in the real Durable Object (SQLite storage) through the `SEMANTIC_INDEX` binding. */

function index(options: { visibilityDelayMs?: number; maxEntries?: number } = {}) {
  const clock = { ms: 1_000_000, nowMs: () => clock.ms };
  const vectors = createLocalVectorIndex(env.SEMANTIC_INDEX, {
    clock,
    visibilityDelayMs: options.visibilityDelayMs ?? 0,
    maxEntries: options.maxEntries ?? 10_000,
    // Each test gets its own object, so tests never see each other's entries.
    objectName: crypto.randomUUID(),
  });
  return { vectors, clock };
}

const entry = (id: string, values: number[], namespace = 'ns', metadata = {}): VectorEntry => ({
  id,
  values,
  namespace,
  metadata,
});

describe('local vector index (SEMANTIC_INDEX Durable Object)', () => {
  it('returns the nearest entries first, with cosine scores and their metadata', async () => {
    const { vectors } = index();
    await vectors.upsert([
      entry('east', [1, 0], 'ns', { prompt: 'east', tokens: 3 }),
      entry('north', [0, 1]),
      entry('north-east', [1, 1]),
    ]);
    const matches = await vectors.query([2, 0.1], { topK: 3, namespace: 'ns' });
    expect(matches.map((m) => m.id)).toEqual(['east', 'north-east', 'north']);
    expect(matches[0]).toMatchObject({ metadata: { prompt: 'east', tokens: 3 } });
    expect(matches[0]!.score).toBeCloseTo(2 / Math.hypot(2, 0.1), 5);
    expect(matches[1]!.score).toBeCloseTo(2.1 / (Math.hypot(2, 0.1) * Math.SQRT2), 5);
  });

  it('never shows one namespace the entries of another, even identical vectors (property)', async () => {
    const { vectors } = index();
    const rng = seededRng(7);
    for (let trial = 0; trial < 25; trial++) {
      const values = Array.from({ length: 8 }, () => rng.next() - 0.5);
      const [a, b] = [`tenant-a-${trial}`, `tenant-b-${trial}`];
      await vectors.upsert([entry(`${a}:x`, values, a), entry(`${b}:x`, values, b)]);
      const seenByA = await vectors.query(values, { topK: 20, namespace: a });
      const seenByB = await vectors.query(values, { topK: 20, namespace: b });
      expect(seenByA.map((m) => m.id)).toEqual([`${a}:x`]);
      expect(seenByB.map((m) => m.id)).toEqual([`${b}:x`]);
      expect(await vectors.query(values, { topK: 20, namespace: `empty-${trial}` })).toEqual([]);
    }
  });

  it('caps topK as Vectorize does with metadata (20) and serves at least one', async () => {
    const { vectors } = index();
    await vectors.upsert(Array.from({ length: 30 }, (_, i) => entry(`v${i}`, [1, i / 30])));
    expect(await vectors.query([1, 0], { topK: 50, namespace: 'ns' })).toHaveLength(20);
    expect(await vectors.query([1, 0], { topK: 0, namespace: 'ns' })).toHaveLength(1);
  });

  it('makes writes and deletes visible only after the delay, in the order they were made', async () => {
    const { vectors, clock } = index({ visibilityDelayMs: 2000 });
    await vectors.upsert([entry('a', [1, 0])]);
    clock.ms += 1999;
    expect(await vectors.query([1, 0], { topK: 5, namespace: 'ns' })).toEqual([]);
    clock.ms += 1;
    expect((await vectors.query([1, 0], { topK: 5, namespace: 'ns' })).map((m) => m.id)).toEqual([
      'a',
    ]);
    await vectors.deleteByIds(['a']);
    clock.ms += 1999;
    expect(await vectors.query([1, 0], { topK: 5, namespace: 'ns' })).toHaveLength(1);
    clock.ms += 1;
    expect(await vectors.query([1, 0], { topK: 5, namespace: 'ns' })).toEqual([]);
  });

  it('reads its own writes when the delay is 0', async () => {
    const { vectors } = index();
    await vectors.upsert([entry('a', [0, 1])]);
    expect(await vectors.query([0, 1], { topK: 1, namespace: 'ns' })).toHaveLength(1);
    await vectors.deleteByIds(['a']);
    expect(await vectors.query([0, 1], { topK: 1, namespace: 'ns' })).toEqual([]);
  });

  it('evicts the oldest writes beyond its size cap; rewriting an entry makes it new', async () => {
    const { vectors } = index({ maxEntries: 5 });
    for (let i = 0; i < 5; i++) await vectors.upsert([entry(`v${i}`, [1, i])]);
    await vectors.upsert([entry('v0', [1, 0])]);
    await vectors.upsert([entry('v5', [1, 5]), entry('v6', [1, 6])]);
    const ids = (await vectors.query([1, 1], { topK: 20, namespace: 'ns' })).map((m) => m.id);
    expect(ids.sort()).toEqual(['v0', 'v3', 'v4', 'v5', 'v6']);
  });

  it('replaces an entry on upsert, moving it to its new namespace', async () => {
    const { vectors } = index();
    await vectors.upsert([entry('a', [1, 0], 'one', { v: 1 })]);
    await vectors.upsert([entry('a', [1, 0], 'two', { v: 2 })]);
    expect(await vectors.query([1, 0], { topK: 5, namespace: 'one' })).toEqual([]);
    expect(await vectors.query([1, 0], { topK: 5, namespace: 'two' })).toMatchObject([
      { id: 'a', metadata: { v: 2 } },
    ]);
  });

  it('answers a namespace it has already read in step with later moves, evictions and deletes', async () => {
    const { vectors } = index({ maxEntries: 3 });
    const ids = async (namespace: string) =>
      (await vectors.query([1, 0], { topK: 20, namespace })).map((m) => m.id).sort();
    await vectors.upsert([entry('a', [1, 0], 'one'), entry('b', [1, 1], 'one')]);
    // Both namespaces are read (and held by the object) before the writes below.
    expect(await ids('one')).toEqual(['a', 'b']);
    expect(await ids('two')).toEqual([]);
    await vectors.upsert([entry('a', [1, 0.5], 'two', { moved: true })]);
    expect(await ids('one')).toEqual(['b']);
    expect(await vectors.query([1, 0.5], { topK: 1, namespace: 'two' })).toMatchObject([
      { id: 'a', metadata: { moved: true } },
    ]);
    // Two more writes go past the cap of 3: b, the oldest, is evicted.
    await vectors.upsert([entry('c', [0, 1], 'one'), entry('d', [0, 1], 'two')]);
    expect(await ids('one')).toEqual(['c']);
    await vectors.deleteByIds(['a']);
    expect(await ids('two')).toEqual(['d']);
    // A namespace emptied and written again is read afresh.
    await vectors.deleteByIds(['c']);
    expect(await ids('one')).toEqual([]);
    await vectors.upsert([entry('e', [1, 0], 'one')]);
    expect(await ids('one')).toEqual(['e']);
  });

  it('does not compare vectors of another size', async () => {
    const { vectors } = index();
    await vectors.upsert([entry('small', [1, 0]), entry('large', [1, 0, 0])]);
    const matches = await vectors.query([1, 0, 0], { topK: 5, namespace: 'ns' });
    expect(matches.map((m) => m.id)).toEqual(['large']);
  });

  it.each([
    ['an empty namespace', entry('a', [1], '')],
    ['a namespace over 64 bytes', entry('a', [1], 'n'.repeat(65))],
    ['an id over 64 bytes', entry('é'.repeat(33), [1])],
    ['metadata over 10 KiB', entry('a', [1], 'ns', { prompt: 'x'.repeat(10 * 1024) })],
    ['a non-finite value', entry('a', [1, Number.NaN])],
  ])('rejects %s as Vectorize would', async (_name, bad) => {
    const { vectors } = index();
    await expect(vectors.upsert([bad])).rejects.toThrow(RangeError);
  });
});
