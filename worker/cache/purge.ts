import type { CacheStore } from '../ports';
import { tenantPrefix } from './cache-key';

/**
 * Purges of the exact cache. KV has no "delete by prefix", so a tenant or full purge lists keys
 * and deletes them one by one. One Worker invocation may make only so many KV operations, so a
 * purge does at most `maxDeletes` and says whether more are left; the caller repeats it until
 * `more` is false. KV is eventually consistent: a purged entry can still be read for about 60 s
 * at locations that cached it (RELIABILITY K7).
 */

export type PurgeScope =
  { kind: 'key'; key: string } | { kind: 'tenant'; tenantId: string } | { kind: 'all' };

export interface PurgeResult {
  deleted: number;
  more: boolean;
}

/** Comfortably inside the 1,000 KV operations one invocation may make (lists count too). */
export const maxDeletesPerPurge = 900;

export async function purgeCache(
  store: CacheStore,
  scope: PurgeScope,
  maxDeletes = maxDeletesPerPurge,
): Promise<PurgeResult> {
  if (scope.kind === 'key') {
    const present = (await store.get(scope.key)) !== undefined;
    await store.delete(scope.key);
    return { deleted: present ? 1 : 0, more: false };
  }
  const prefix = scope.kind === 'tenant' ? tenantPrefix(scope.tenantId) : '';
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await store.list(prefix, cursor);
    const batch = page.keys.slice(0, maxDeletes - deleted);
    await Promise.all(batch.map((key) => store.delete(key)));
    deleted += batch.length;
    if (batch.length < page.keys.length) return { deleted, more: true };
    cursor = page.cursor;
  } while (cursor !== undefined && deleted < maxDeletes);
  return { deleted, more: cursor !== undefined };
}
