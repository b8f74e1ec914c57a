import * as z from 'zod';
import { defaultForwardingPolicy as fwd } from './core/forwarding-policy';
import { createInFlightCounter } from './core/in-flight-counter';
import { createReplicaHealth } from './core/replica-health';
import { createRetryBudget } from './core/retry-budget';
import { createSemanticCache } from './cache/semantic/create-semantic-cache';
import { createPoolEmbeddingsPost } from './cache/semantic/pool-embeddings-post';
import { workersAiModels } from './cache/semantic/workers-ai-embedder';
import { createDurableCoalescer, createKvCacheStore } from './cache/cache-adapters';
import { createD1Repositories } from './db/d1-repositories';
import { cachedKeyLookup, forgettingKeyStore, type KeyLookupCache } from './db/cached-key-lookup';
import { createD1KeyStore } from './db/key-store';
import { createDurableKeyLimiter } from './limits/durable-key-limiter';
import { createQueueUsageSink } from './usage/usage-queue';
import { createPoolDirectory, type SnapshotCache } from './pool/pool-directory';
import { buildModelCatalogue, type ModelCatalogue } from './router/model-catalogue';
import { catalogueProviders } from './forwarding/spillover';
import type { Clock, GatewayDeps, Logger, ProviderDirectory, ReplicaHealth, Rng } from './ports';

const aiModelNames = Object.keys(workersAiModels) as [keyof typeof workersAiModels];

/**
 * The one place that reads the Worker's bindings and turns them into the app's ports.
 * Per-isolate state (the pool snapshot, this isolate's in-flight counts) lives in module scope.
 */

const isolate = {
  snapshotCache: {} as SnapshotCache,
  inFlight: createInFlightCounter(),
  retryBudget: createRetryBudget(),
  health: undefined as ReplicaHealth | undefined,
  keyLookups: undefined as KeyLookupCache | undefined,
  /** The parsed catalogue and the text it came from: parsed again only if that text changes. */
  models: undefined as
    | { source: string | undefined; catalogue: ModelCatalogue; providers: ProviderDirectory }
    | undefined,
};

const ms = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const envSchema = z.object({
  POOL_SECRET: z.string().min(16, 'POOL_SECRET must be set (at least 16 characters)'),
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  HEARTBEAT_STALE_MS: z.coerce.number().int().positive().default(5000),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024),
  /** Days an opted-in key's stored prompts and answers are kept (RELIABILITY O2). */
  PAYLOAD_RETENTION_DAYS: z.coerce.number().int().positive().max(3650).default(30),
  /** Forwarding timers, retries and passive health (core/forwarding-policy.ts). */
  CONNECT_TIMEOUT_MS: ms(fwd.connectTimeoutMs),
  RESPONSE_TIMEOUT_MS: ms(fwd.responseTimeoutMs),
  FIRST_BYTE_TIMEOUT_MS: ms(fwd.firstByteTimeoutMs),
  IDLE_TIMEOUT_MS: ms(fwd.idleTimeoutMs),
  KEEPALIVE_INTERVAL_MS: ms(fwd.keepaliveIntervalMs),
  REQUEST_DEADLINE_MS: ms(fwd.requestDeadlineMs),
  MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(fwd.maxAttempts),
  EJECT_AFTER_FAILURES: z.coerce.number().int().min(1).default(fwd.ejectAfterFailures),
  EJECTION_BASE_MS: ms(fwd.ejectionBaseMs),
  EJECTION_MAX_MS: ms(fwd.ejectionMaxMs),
  CACHE_SALT: z.enum(['tenant', 'off']).default('tenant'),
  WAKE_TIMEOUT_MS: ms(fwd.wakeTimeoutMs),
  LOAD_FACTOR: z.coerce.number().min(1).max(16).default(fwd.loadFactor),
  /** How long an isolate trusts a key lookup: the longest a revocation elsewhere takes here. */
  AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).default(10_000),
  /** Semantic cache (worker/cache/semantic/): which embedder, and the local index's behaviour. */
  SEMANTIC_EMBEDDER: z.enum(['workers-ai', 'origin', 'local']).optional(),
  SEMANTIC_AI_MODEL: z.enum(aiModelNames).default('@cf/baai/bge-small-en-v1.5'),
  SEMANTIC_ORIGIN_MODEL: z.string().min(1).optional(),
  SEMANTIC_ORIGIN_DIMENSIONS: z.coerce.number().int().positive().max(1536).optional(),
  SEMANTIC_THRESHOLD: z.coerce.number().gt(0).max(1).optional(),
  SEMANTIC_INDEX_VISIBILITY_DELAY_MS: z.coerce.number().int().min(0).default(0),
  // Held in the object's memory too: entries × dimensions × 4 bytes (15 MB at 10,000 × 384).
  SEMANTIC_INDEX_MAX_ENTRIES: z.coerce.number().int().positive().max(50_000).default(10_000),
  /** JSON that replaces the default model catalogue (worker/config/models.ts). */
  MODEL_CATALOGUE: z.string().optional(),
  /** The response cache (worker/cache/): `off` sends every request upstream. */
  RESPONSE_CACHE: z.enum(['on', 'off']).default('on'),
  /** KV refuses TTLs below 60 s (RELIABILITY K7). */
  CACHE_TTL_SECONDS: z.coerce.number().int().min(60).default(3600),
  CACHE_MAX_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(7 * 24 * 3600),
  /** Single flight of identical cacheable requests through CACHE_FLIGHT. */
  CACHE_COALESCE: z.enum(['on', 'off']).default('on'),
  /** The longest a follower waits for its leader before going upstream itself. */
  CACHE_COALESCE_WAIT_MS: ms(60_000),
  /** Per-model semantic thresholds as JSON, e.g. {"llama-3.1-8b": 0.93}; others use the default. */
  SEMANTIC_THRESHOLDS: z
    .string()
    .default('{}')
    .transform((text) => JSON.parse(text) as unknown)
    .pipe(z.record(z.string(), z.number().min(0).max(1))),
  SEMANTIC_MAX_MESSAGES: z.coerce.number().int().min(1).max(64).default(5),
});

const dayMs = 24 * 60 * 60 * 1000;

/**
 * Uniform in [0, 1) from the platform CSPRNG: request ids come from it too. Drawn 256 values at a
 * time: a request id takes 24, and one `getRandomValues` call per value was a tenth of the edge's
 * CPU per request in a workerd profile (bench/README.md).
 */
export function createCryptoRng(): Rng {
  const drawn = new Uint32Array(256);
  let used = drawn.length;
  return {
    next: () => {
      if (used === drawn.length) {
        crypto.getRandomValues(drawn);
        used = 0;
      }
      return drawn[used++]! / 2 ** 32;
    },
  };
}

const cryptoRng = createCryptoRng();

export const systemClock: Clock = { nowMs: () => Date.now() };

export const jsonLogger: Logger = {
  info: (msg, fields) => console.log(JSON.stringify({ level: 'info', msg, ...fields })),
  warn: (msg, fields) => console.warn(JSON.stringify({ level: 'warn', msg, ...fields })),
  error: (msg, fields) => console.error(JSON.stringify({ level: 'error', msg, ...fields })),
};

export function depsFromEnv(env: Env): GatewayDeps {
  const vars = envSchema.parse(env);
  const clock = systemClock;
  const d1 = createD1Repositories(env.DB, clock);
  const forwarding = {
    connectTimeoutMs: vars.CONNECT_TIMEOUT_MS,
    responseTimeoutMs: vars.RESPONSE_TIMEOUT_MS,
    firstByteTimeoutMs: vars.FIRST_BYTE_TIMEOUT_MS,
    idleTimeoutMs: vars.IDLE_TIMEOUT_MS,
    keepaliveIntervalMs: vars.KEEPALIVE_INTERVAL_MS,
    maxAttempts: vars.MAX_ATTEMPTS,
    requestDeadlineMs: vars.REQUEST_DEADLINE_MS,
    ejectAfterFailures: vars.EJECT_AFTER_FAILURES,
    ejectionBaseMs: vars.EJECTION_BASE_MS,
    ejectionMaxMs: vars.EJECTION_MAX_MS,
    cacheSalt: vars.CACHE_SALT === 'tenant',
    wakeTimeoutMs: vars.WAKE_TIMEOUT_MS,
    loadFactor: vars.LOAD_FACTOR,
  };
  const responseCache =
    vars.RESPONSE_CACHE === 'off'
      ? undefined
      : {
          store: createKvCacheStore(env.CACHE),
          ...(vars.CACHE_COALESCE === 'on' && {
            coalescer: createDurableCoalescer(env.CACHE_FLIGHT, vars.CACHE_COALESCE_WAIT_MS),
          }),
          config: {
            defaultTtlSeconds: Math.min(vars.CACHE_TTL_SECONDS, vars.CACHE_MAX_TTL_SECONDS),
            maxTtlSeconds: vars.CACHE_MAX_TTL_SECONDS,
            semanticThresholds: vars.SEMANTIC_THRESHOLDS,
            semanticMaxMessages: vars.SEMANTIC_MAX_MESSAGES,
          },
        };
  // Health lives as long as the isolate; its thresholds come from the first env it sees.
  isolate.health ??= createReplicaHealth(forwarding);
  isolate.keyLookups ??= cachedKeyLookup(d1.apiKeys, clock, {
    ttlMs: vars.AUTH_CACHE_TTL_MS,
    maxEntries: 10_000,
  });
  if (isolate.models === undefined || isolate.models.source !== vars.MODEL_CATALOGUE) {
    const catalogue = buildModelCatalogue(vars.MODEL_CATALOGUE);
    isolate.models = {
      source: vars.MODEL_CATALOGUE,
      catalogue,
      // Provider keys are Worker secrets named by the catalogue, so they are read from env itself.
      providers: catalogueProviders(
        catalogue.models,
        env as unknown as Record<string, unknown>,
        jsonLogger,
      ),
    };
  }
  const deps: GatewayDeps = {
    config: {
      poolSecret: vars.POOL_SECRET,
      heartbeatStaleMs: vars.HEARTBEAT_STALE_MS,
      maxBodyBytes: vars.MAX_BODY_BYTES,
      adminToken: vars.ADMIN_TOKEN,
      payloadRetentionMs: vars.PAYLOAD_RETENTION_DAYS * dayMs,
      forwarding,
      models: isolate.models.catalogue,
    },
    clock,
    rng: cryptoRng,
    originFetch: (request) => fetch(request),
    apiKeys: isolate.keyLookups,
    keys: forgettingKeyStore(createD1KeyStore(env.DB), isolate.keyLookups),
    // The queue is optional: without it (a minimal deployment) rows go straight to D1.
    usage: env.USAGE_QUEUE
      ? createQueueUsageSink(env.USAGE_QUEUE, d1.directUsageSink)
      : d1.directUsageSink,
    limiter: createDurableKeyLimiter(env.RATE_LIMITER),
    prices: d1.priceBook,
    sql: d1.sql,
    feedback: d1.feedback,
    pool: createPoolDirectory(env.POOL, clock, isolate.snapshotCache),
    providers: isolate.models.providers,
    inFlight: isolate.inFlight,
    health: isolate.health,
    retryBudget: isolate.retryBudget,
    logger: jsonLogger,
    // `semantic` is wired by the semantic cache's adapters (worker/cache/semantic/).
    ...(responseCache !== undefined && { responseCache }),
  };
  deps.semantic = createSemanticCache(
    {
      embedder: vars.SEMANTIC_EMBEDDER,
      aiModel: vars.SEMANTIC_AI_MODEL,
      originModel: vars.SEMANTIC_ORIGIN_MODEL,
      originDimensions: vars.SEMANTIC_ORIGIN_DIMENSIONS,
      threshold: vars.SEMANTIC_THRESHOLD,
      indexVisibilityDelayMs: vars.SEMANTIC_INDEX_VISIBILITY_DELAY_MS,
      indexMaxEntries: vars.SEMANTIC_INDEX_MAX_ENTRIES,
    },
    {
      ai: env.AI,
      vectorize: env.SEMANTIC,
      localIndex: env.SEMANTIC_INDEX,
      originPost: (model) => createPoolEmbeddingsPost(deps, model),
      clock,
    },
  );
  return deps;
}
