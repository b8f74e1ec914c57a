import { z } from 'zod';
import type { KeyRow, NewKeyRecord } from '../../worker/admin/key-records';
import { cacheModes } from '../../worker/db/schema';
import { bindSql } from './sql-literal';

/**
 * The SQL behind `npm run keys`, as text for `wrangler d1 execute --command`, which takes no
 * bound parameters: every value goes through `sqlLiteral`. Each operation is one wrangler call
 * (about two seconds each), so reads that decide the outcome ride along with the write.
 * Statements stay on one line each so a failing command's echo stays readable.
 */

/** Everything a listing shows. The hash is deliberately not selected: the CLI never reads it. */
const visibleColumns = [
  'id',
  'tenant_id',
  'name',
  'key_prefix',
  'status',
  'created_at_ms',
  'revoked_at_ms',
  'requests_per_minute',
  'tokens_per_minute',
  'monthly_budget_usd',
  'max_concurrency',
  'max_tokens_per_request',
  'log_payloads',
  'allowed_models',
  'cache_mode',
].join(', ');

const selectById = (keyId: string) =>
  bindSql(`SELECT ${visibleColumns} FROM api_keys WHERE id = ?;`, [keyId]);

/** Inserts the tenant unless it exists, then the key. */
export function createKeySql({ tenant, key }: NewKeyRecord): string {
  return [
    bindSql(
      'INSERT INTO tenants (id, name, created_at_ms) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING;',
      [tenant.id, tenant.name, tenant.createdAtMs],
    ),
    bindSql(
      'INSERT INTO api_keys (id, tenant_id, name, key_hash, key_prefix, status, created_at_ms, revoked_at_ms, requests_per_minute, tokens_per_minute, monthly_budget_usd, max_concurrency, max_tokens_per_request, log_payloads, allowed_models, cache_mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);',
      [
        key.id,
        key.tenantId,
        key.name,
        key.keyHash,
        key.keyPrefix,
        key.status,
        key.createdAtMs,
        key.revokedAtMs,
        key.requestsPerMinute,
        key.tokensPerMinute,
        key.monthlyBudgetUsd,
        key.maxConcurrency,
        key.maxTokensPerRequest,
        // SQLite has no boolean type: drizzle's boolean mode reads 0 and 1.
        key.logPayloads ? 1 : 0,
        // drizzle's JSON mode stores the array as its JSON text.
        key.allowedModels === null ? null : JSON.stringify(key.allowedModels),
        key.cacheMode,
      ],
    ),
  ].join('\n');
}

export function listKeysSql(tenantId: string | undefined): string {
  const order = 'ORDER BY created_at_ms, id;';
  return tenantId === undefined
    ? `SELECT ${visibleColumns} FROM api_keys ${order}`
    : bindSql(`SELECT ${visibleColumns} FROM api_keys WHERE tenant_id = ? ${order}`, [tenantId]);
}

/** Results: [row before], [], [row after]. Revoking twice keeps the first revocation time. */
export function revokeKeySql(keyId: string, nowMs: number): string {
  return [
    selectById(keyId),
    bindSql(
      "UPDATE api_keys SET status = 'revoked', revoked_at_ms = coalesce(revoked_at_ms, ?) WHERE id = ?;",
      [nowMs, keyId],
    ),
    selectById(keyId),
  ].join('\n');
}

/** Results: [], [row after]; read with `rotationOutcome`. Only an active key gets a new hash. */
export function rotateKeySql(
  keyId: string,
  secret: { keyHash: string; keyPrefix: string },
): string {
  return [
    bindSql(
      "UPDATE api_keys SET key_hash = ?, key_prefix = ? WHERE id = ? AND status = 'active';",
      [secret.keyHash, secret.keyPrefix, keyId],
    ),
    selectById(keyId),
  ].join('\n');
}

const nullableNumber = z.number().nullable();

/** A row of `visibleColumns` as wrangler's JSON returns it, camel-cased for `toKeySummary`. */
export const keyRowSchema = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    name: z.string(),
    key_prefix: z.string(),
    status: z.enum(['active', 'revoked']),
    created_at_ms: z.number(),
    revoked_at_ms: nullableNumber,
    requests_per_minute: nullableNumber,
    tokens_per_minute: nullableNumber,
    monthly_budget_usd: nullableNumber,
    max_concurrency: nullableNumber,
    max_tokens_per_request: nullableNumber,
    log_payloads: z.union([z.literal(0), z.literal(1)]),
    allowed_models: z.string().nullable(),
    cache_mode: z.enum(cacheModes),
  })
  .transform((r): Omit<KeyRow, 'keyHash'> => ({
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    keyPrefix: r.key_prefix,
    status: r.status,
    createdAtMs: r.created_at_ms,
    revokedAtMs: r.revoked_at_ms,
    requestsPerMinute: r.requests_per_minute,
    tokensPerMinute: r.tokens_per_minute,
    monthlyBudgetUsd: r.monthly_budget_usd,
    maxConcurrency: r.max_concurrency,
    maxTokensPerRequest: r.max_tokens_per_request,
    logPayloads: r.log_payloads === 1,
    allowedModels:
      r.allowed_models === null ? null : z.array(z.string()).parse(JSON.parse(r.allowed_models)),
    cacheMode: r.cache_mode,
  }));

/** The first row of a statement's results, parsed; undefined when there is none. */
export function firstKeyRow(
  rows: readonly unknown[] | undefined,
): Omit<KeyRow, 'keyHash'> | undefined {
  const row = rows?.[0];
  return row === undefined ? undefined : keyRowSchema.parse(row);
}
