import { is } from 'drizzle-orm';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import * as schema from '../../worker/db/schema';

interface ColumnInfo {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}

const exported: unknown[] = Object.values(schema);
const tables = exported.filter((value): value is SQLiteTable => is(value, SQLiteTable));

describe('migrations/ and the drizzle schema', () => {
  it('covers every table the schema declares', () => {
    expect(tables.map((t) => getTableConfig(t).name).sort()).toEqual([
      'api_keys',
      'feedback',
      'model_prices',
      'pools',
      'request_payloads',
      'tenants',
      'usage_attempts',
      'usage_events',
    ]);
  });

  it.each(tables.map((t) => [getTableConfig(t).name, t]))(
    'agree on the columns of %s',
    async (name, table) => {
      const config = getTableConfig(table);
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
