import { and, asc, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { rotationOutcome, toKeySummary } from '../admin/key-records';
import type { KeyStore } from '../ports';
import { apiKeys, tenants } from './schema';

/** The `KeyStore` port over D1, through drizzle. */
export function createD1KeyStore(db: D1Database): KeyStore {
  const orm = drizzle(db);
  const byId = (keyId: string) => orm.select().from(apiKeys).where(eq(apiKeys.id, keyId)).limit(1);

  return {
    async create(record) {
      // One batch is one transaction: no tenant is left behind when the key insert fails.
      await orm.batch([
        orm.insert(tenants).values(record.tenant).onConflictDoNothing(),
        orm.insert(apiKeys).values(record.key),
      ]);
    },

    async list(filter) {
      const rows = await orm
        .select()
        .from(apiKeys)
        .where(filter.tenantId === undefined ? undefined : eq(apiKeys.tenantId, filter.tenantId))
        .orderBy(asc(apiKeys.createdAtMs), asc(apiKeys.id));
      return rows.map(toKeySummary);
    },

    async revoke(keyId, nowMs) {
      const rows = await orm
        .update(apiKeys)
        .set({ status: 'revoked', revokedAtMs: sql`coalesce(${apiKeys.revokedAtMs}, ${nowMs})` })
        .where(eq(apiKeys.id, keyId))
        .returning();
      const row = rows[0];
      return row === undefined ? undefined : toKeySummary(row);
    },

    async rotate(keyId, secret) {
      const [, rows] = await orm.batch([
        orm
          .update(apiKeys)
          .set({ keyHash: secret.keyHash, keyPrefix: secret.keyPrefix })
          .where(and(eq(apiKeys.id, keyId), eq(apiKeys.status, 'active'))),
        byId(keyId),
      ]);
      return rotationOutcome(rows[0]);
    },
  };
}
