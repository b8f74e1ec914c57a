import { getTableConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { apiKeys, tenants, usageEvents } from '../../worker/db/schema';

interface ColumnInfo {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}

describe('migrations/ and the drizzle schema', () => {
  it.each([tenants, apiKeys, usageEvents].map((t) => [getTableConfig(t as SQLiteTable).name, t]))(
    'agree on the columns of %s',
    async (name, table) => {
      const config = getTableConfig(table as SQLiteTable);
      const { results } = await env.DB.prepare(`PRAGMA table_info(${name})`).all<ColumnInfo>();
      const actual = results.map((c) => ({
        name: c.name,
        type: c.type.toLowerCase(),
        notNull: c.notnull === 1 || c.pk === 1,
      }));
      const expected = config.columns.map((c) => ({
        name: c.name,
        type: c.getSQLType().toLowerCase(),
        notNull: c.notNull || c.primary,
      }));
      expect(actual.sort((a, b) => a.name.localeCompare(b.name))).toEqual(
        expected.sort((a, b) => a.name.localeCompare(b.name)),
      );
    },
  );
});
