import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type { ApiKeyRepository, UsageSink } from '../ports';
import { apiKeys, usageEvents } from './schema';

/** D1 adapters for the edge's repositories, through drizzle. */
export function createD1Repositories(db: D1Database): {
  apiKeys: ApiKeyRepository;
  usage: UsageSink;
} {
  const orm = drizzle(db);
  return {
    apiKeys: {
      async findByHash(keyHash) {
        const rows = await orm
          .select({
            id: apiKeys.id,
            tenantId: apiKeys.tenantId,
            keyHash: apiKeys.keyHash,
            status: apiKeys.status,
          })
          .from(apiKeys)
          .where(eq(apiKeys.keyHash, keyHash))
          .limit(1);
        return rows[0];
      },
    },
    usage: {
      async record(row) {
        // The request id is the primary key: a retried write leaves one row (RELIABILITY U1).
        await orm
          .insert(usageEvents)
          .values(row)
          .onConflictDoNothing({ target: usageEvents.requestId });
      },
    },
  };
}
