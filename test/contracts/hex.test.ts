import { describe, expect, it } from 'vitest';
import { digestFromHex, toHex } from '../../contracts/hex';

describe('toHex', () => {
  it.each([
    [[], ''],
    [[0], '00'],
    [[1, 15, 16, 255], '010f10ff'],
    [[0xde, 0xad, 0xbe, 0xef], 'deadbeef'],
  ])('writes %j as %s', (bytes, hex) => {
    expect(toHex(new Uint8Array(bytes))).toBe(hex);
    expect(toHex(new Uint8Array(bytes).buffer)).toBe(hex);
  });

  it('round-trips every byte value through digestFromHex', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256);
    expect(digestFromHex(toHex(bytes))).toEqual(bytes);
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toHex(all)).toBe(Array.from(all, (b) => b.toString(16).padStart(2, '0')).join(''));
  });
});
