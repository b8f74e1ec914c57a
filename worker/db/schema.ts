import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

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

export const cacheModes = ['on', 'off', 'exact'] as const;
export type CacheMode = (typeof cacheModes)[number];

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
    /** Limits; NULL means unlimited. Counted exactly by the key's RATE_LIMITER Durable Object. */
    requestsPerMinute: integer('requests_per_minute'),
    tokensPerMinute: integer('tokens_per_minute'),
    monthlyBudgetUsd: real('monthly_budget_usd'),
    maxConcurrency: integer('max_concurrency'),
    /** Largest `max_tokens` (and `n` × it) a request may ask for (RELIABILITY L3). */
    maxTokensPerRequest: integer('max_tokens_per_request'),
    /**
     * Whether prompts and answers of this key are stored (redacted, capped, expiring) in
     * `request_payloads` (RELIABILITY O2). Off unless the operator turns it on for the key.
     */
    logPayloads: integer('log_payloads', { mode: 'boolean' }).notNull().default(false),
    /**
     * The model names (served models, aliases or routed names like `auto`) this key may ask for,
     * as a JSON array; NULL means every configured name.
     */
    allowedModels: text('allowed_models', { mode: 'json' }).$type<string[]>(),
    /** How the response cache treats this key's requests: on, off, or exact matches only. */
    cacheMode: text('cache_mode', { enum: cacheModes }).notNull().default('on'),
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
    /** The pinned revision of the served model, from the replica's heartbeat. */
    modelRevision: text('model_revision'),
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
    /** Prompt + completion tokens a cache hit did not have to generate (0 on a miss). */
    tokensSaved: integer('tokens_saved').notNull().default(0),
    /** The routed tier (e.g. `small`, `large`) when the requested name was a routed one like `auto`. */
    routeTier: text('route_tier'),
    /** The router's difficulty score for the prompt, in [0, 1], when it routed. */
    routeScore: real('route_score'),
    tag: text('tag'),
    /** Charged against the key's budget at the model's configured price (`model_prices`). */
    costUsd: real('cost_usd').notNull().default(0),
    /** The limit that rejected the request with 429, if one did. */
    rateLimited: text('rate_limited'),
  },
  (t) => [
    index('usage_events_created_idx').on(t.createdAtMs),
    index('usage_events_key_idx').on(t.keyId, t.createdAtMs),
    index('usage_events_model_idx').on(t.servedModel, t.createdAtMs),
  ],
);

export type UsageEventRow = typeof usageEvents.$inferInsert;

/** One row per upstream attempt of a request (several once retries exist). */
export const usageAttempts = sqliteTable(
  'usage_attempts',
  {
    requestId: text('request_id').notNull(),
    attempt: integer('attempt').notNull(),
    replicaId: text('replica_id'),
    startedAtMs: integer('started_at_ms').notNull(),
    /** Upstream status, or 0 when no response arrived (connect failure, abort). */
    httpStatus: integer('http_status').notNull(),
    outcome: text('outcome').notNull(),
    ttfbMs: integer('ttfb_ms'),
    durationMs: integer('duration_ms'),
  },
  (t) => [primaryKey({ columns: [t.requestId, t.attempt] })],
);
export type UsageAttemptRow = typeof usageAttempts.$inferInsert;

/**
 * What an opted-in key sent and got back (RELIABILITY O2): redacted, capped, and deleted by the
 * hourly cron once `expires_at_ms` has passed. Keys that did not opt in have no rows here.
 */
export const requestPayloads = sqliteTable(
  'request_payloads',
  {
    requestId: text('request_id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    keyId: text('key_id').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
    expiresAtMs: integer('expires_at_ms').notNull(),
    /** The request body as forwarded to the engine (JSON text), redacted. */
    request: text('request').notNull(),
    /** The engine's JSON answer, or a stream's concatenated text, redacted. */
    response: text('response').notNull(),
    /** Either text was cut at the size cap. */
    truncated: integer('truncated', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [index('request_payloads_expires_idx').on(t.expiresAtMs)],
);
export type RequestPayloadRow = typeof requestPayloads.$inferInsert;

/** Feedback on one answer, from the tenant that asked for it. */
export const feedback = sqliteTable(
  'feedback',
  {
    id: text('id').primaryKey(),
    requestId: text('request_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    keyId: text('key_id').notNull(),
    /** -1 (bad), 0 (neutral) or 1 (good). */
    rating: integer('rating').notNull(),
    label: text('label'),
    comment: text('comment'),
    createdAtMs: integer('created_at_ms').notNull(),
  },
  (t) => [
    index('feedback_request_idx').on(t.requestId),
    index('feedback_tenant_idx').on(t.tenantId),
  ],
);

export type FeedbackRow = typeof feedback.$inferInsert;

/**
 * Prices per million tokens. For a model served by the pool this is the API list price of the
 * equivalent public model (what the cost report compares against, and what budgets charge).
 */
export const modelPrices = sqliteTable('model_prices', {
  model: text('model').primaryKey(),
  inputUsdPerMillion: real('input_usd_per_million').notNull(),
  outputUsdPerMillion: real('output_usd_per_million').notNull(),
  updatedAtMs: integer('updated_at_ms').notNull(),
});

/** What a dedicated pool costs: the other side of the cost comparison. */
export const pools = sqliteTable('pools', {
  id: text('id').primaryKey(),
  model: text('model').notNull(),
  gpuCount: integer('gpu_count').notNull(),
  gpuHourlyUsd: real('gpu_hourly_usd').notNull(),
  updatedAtMs: integer('updated_at_ms').notNull(),
});
