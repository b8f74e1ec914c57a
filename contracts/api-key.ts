/**
 * API key format and hashing, shared by the edge (verification) and the CLI scripts (creation).
 * Keys look like `sk-sy-<43 base64url chars>` (32 random bytes). Only the SHA-256 hash is stored;
 * a fast hash is enough because the key carries 256 bits of entropy (no dictionary to attack).
 */

import { toHex } from './hex';

export const apiKeyPrefix = 'sk-sy-';
const keyPattern = /^sk-sy-[A-Za-z0-9_-]{43}$/;

export function isWellFormedApiKey(key: string): boolean {
  return keyPattern.test(key);
}

export function generateApiKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  const base64url = btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${apiKeyPrefix}${base64url}`;
}

export async function hashApiKeyBytes(key: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
}

export async function hashApiKey(key: string): Promise<string> {
  return toHex(await hashApiKeyBytes(key));
}

/** What may be shown of a key in listings and logs: the scheme and four characters. */
export function displayPrefix(key: string): string {
  return key.slice(0, apiKeyPrefix.length + 4);
}
