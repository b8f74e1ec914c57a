import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * D1 schema. This file is the source of truth: `npm run db:generate` writes migrations/ from it
 * and `npm run db:check` (part of `npm test`) fails when the two disagree.
 * Times are Unix epoch milliseconds.
 */

export const tenants = sqliteTable('tenants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAtMs: integer('created_at_ms').notNull(),
});

export const apiKeyStatuses = ['active', 'revoked'] as const;
export type ApiKeyStatus = (typeof apiKeyStatuses)[number];

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull(),
    /** Hex SHA-256 of the whole secret key; the secret itself is never stored. */
    keyHash: text('key_hash').notNull().unique(),
    /** The first characters of the key, safe to show in listings and logs. */
    keyPrefix: text('key_prefix').notNull(),
    status: text('status', { enum: apiKeyStatuses }).notNull().default('active'),
    createdAtMs: integer('created_at_ms').notNull(),
    revokedAtMs: integer('revoked_at_ms'),
  },
  (t) => [index('api_keys_tenant_idx').on(t.tenantId)],
);

export const usageStatuses = [
  'ok',
  'client_error',
  'auth_error',
  'upstream_error',
  'upstream_unavailable',
  'midstream_error',
  'client_cancelled',
  'internal_error',
] as const;
export type UsageStatus = (typeof usageStatuses)[number];

/** Exactly one row per client request, failed ones included (RELIABILITY U1). */
export const usageEvents = sqliteTable(
  'usage_events',
  {
    requestId: text('request_id').primaryKey(),
    createdAtMs: integer('created_at_ms').notNull(),
    tenantId: text('tenant_id'),
    keyId: text('key_id'),
    endpoint: text('endpoint').notNull(),
    requestedModel: text('requested_model'),
    servedModel: text('served_model'),
    replicaId: text('replica_id'),
    stream: integer('stream', { mode: 'boolean' }).notNull().default(false),
    status: text('status', { enum: usageStatuses }).notNull(),
    httpStatus: integer('http_status').notNull(),
    errorCode: text('error_code'),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    /** 1 when the counts are the gateway's own estimate because the engine reported none. */
    tokensEstimated: integer('tokens_estimated', { mode: 'boolean' }).notNull().default(false),
    ttftMs: integer('ttft_ms'),
    latencyMs: integer('latency_ms').notNull(),
    cacheStatus: text('cache_status').notNull().default('bypass'),
    tag: text('tag'),
  },
  (t) => [
    index('usage_events_created_idx').on(t.createdAtMs),
    index('usage_events_key_idx').on(t.keyId, t.createdAtMs),
    index('usage_events_model_idx').on(t.servedModel, t.createdAtMs),
  ],
);

export type UsageEventRow = typeof usageEvents.$inferInsert;
