import { describe, expect, it } from 'vitest';
import {
  displayPrefix,
  generateApiKey,
  hashApiKey,
  isWellFormedApiKey,
} from '../../contracts/api-key';

describe('API keys', () => {
  it('generates distinct well-formed keys', () => {
    const keys = new Set(Array.from({ length: 50 }, generateApiKey));
    expect(keys.size).toBe(50);
    for (const key of keys) expect(isWellFormedApiKey(key)).toBe(true);
  });

  it.each([
    '',
    'sk-sy-',
    'sk-sy-short',
    `sk-xx-${'a'.repeat(43)}`,
    `sk-sy-${'a'.repeat(42)}!`,
    `sk-sy-${'a'.repeat(44)}`,
  ])('rejects the malformed key %j', (key) => {
    expect(isWellFormedApiKey(key)).toBe(false);
  });

  it('hashes to the hex SHA-256 of the whole key', async () => {
    expect(await hashApiKey('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('shows only the scheme and four characters', () => {
    expect(displayPrefix(`sk-sy-ABCDefgh${'x'.repeat(35)}`)).toBe('sk-sy-ABCD');
  });
});
