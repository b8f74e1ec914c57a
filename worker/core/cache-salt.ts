/**
 * The engine's `cache_salt` for a tenant (decision 7, RELIABILITY K3): requests with different
 * salts never share prefix-cache blocks, so one tenant cannot learn from timing whether another
 * sent a prompt. Derived from the tenant id, never taken from the client, so a client cannot pick
 * another tenant's salt.
 */
export async function cacheSalt(tenantId: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(`switchyard-cache-salt:${tenantId}`),
  );
  return [...new Uint8Array(digest).slice(0, 16)]
    .map((byte) => byte.toString(16).padStart(2, '0'))
    .join('');
}
