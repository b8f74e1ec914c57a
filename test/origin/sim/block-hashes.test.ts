import { describe, expect, it } from 'vitest';
import { blockHashes } from '../../../origin/sim/block-hashes';

const tokens = (text: string): string[] => [...text];

describe('blockHashes', () => {
  it.each([
    ['no full block', 'abc', 0],
    ['one full block, a partial one left out', 'abcdef', 1],
    ['exactly two blocks', 'abcdefgh', 2],
  ])('hashes only full blocks: %s', (_name, text, count) => {
    expect(blockHashes(tokens(text), 4)).toHaveLength(count);
  });

  it('gives equal prefixes equal hashes, block by block, and chains the rest', () => {
    const a = blockHashes(tokens('abcdefghijkl'), 4);
    const b = blockHashes(tokens('abcdefghXjkl'), 4);
    expect(a.slice(0, 2)).toEqual(b.slice(0, 2));
    expect(a[2]).not.toBe(b[2]);
  });

  it('chains: a block equal in content but after a different prefix hashes differently', () => {
    const [, second] = blockHashes(tokens('abcdWXYZ'), 4);
    const [, other] = blockHashes(tokens('abceWXYZ'), 4);
    expect(second).not.toBe(other);
  });

  it('keeps token boundaries: the same characters split differently are different blocks', () => {
    expect(blockHashes(['ab', 'c'], 2)).not.toEqual(blockHashes(['a', 'bc'], 2));
  });

  it.each([
    ['a salt and no salt', 'tenant-1', undefined],
    ['two different salts', 'tenant-1', 'tenant-2'],
  ])('separates every block for %s', (_name, saltA, saltB) => {
    const a = blockHashes(tokens('abcdefgh'), 4, saltA);
    const b = blockHashes(tokens('abcdefgh'), 4, saltB);
    expect(a.filter((hash) => b.includes(hash))).toEqual([]);
  });

  it('is deterministic', () => {
    expect(blockHashes(tokens('abcdefgh'), 4, 's')).toEqual(
      blockHashes(tokens('abcdefgh'), 4, 's'),
    );
  });
});
