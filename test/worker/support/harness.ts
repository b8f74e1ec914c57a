import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { generateApiKey, hashApiKey, displayPrefix } from '../../../contracts/api-key';
import { createApp } from '../../../worker/app';
import {
  defaultForwardingPolicy,
  type ForwardingPolicy,
} from '../../../worker/core/forwarding-policy';
import { createInFlightCounter } from '../../../worker/core/in-flight-counter';
import { createReplicaHealth } from '../../../worker/core/replica-health';
import { createRetryBudget } from '../../../worker/core/retry-budget';
import { createDurableCoalescer, createKvCacheStore } from '../../../worker/cache/cache-adapters';
import { createD1Repositories } from '../../../worker/db/d1-repositories';
import { createD1KeyStore } from '../../../worker/db/key-store';
import { createDurableKeyLimiter } from '../../../worker/limits/durable-key-limiter';
import { buildModelCatalogue, type ModelCatalogue } from '../../../worker/router/model-catalogue';
import type {
  CacheStore,
  Clock,
  GatewayDeps,
  Logger,
  OriginFetch,
  PoolDirectory,
  ReplicaView,
  ResponseCacheConfig,
  SemanticCache,
  SpilloverProvider,
} from '../../../worker/ports';

export const testPoolSecret = 'test-pool-secret';
export const fixedNowMs = 1_780_000_000_000;
export const testAdminToken = 'test-admin-token-0123456789';

let seed = 1;
/** Deterministic uniform numbers (mulberry32). */
export function seededRng(start = 42) {
  let state = start;
  return {
    next() {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

export function replica(overrides: Partial<ReplicaView> = {}): ReplicaView {
  return {
    replicaId: 'r1',
    url: 'http://origin-1.test',
    models: ['tiny'],
    state: 'ready',
    running: 0,
    waiting: 0,
    kvCacheUsage: 0,
    tokensPerSecond: 0,
    version: 'test',
    lastSeenMs: fixedNowMs,
    signedAtMs: fixedNowMs,
    registeredAtMs: fixedNowMs - 10_000,
    ...overrides,
  };
}

export function staticPool(replicas: ReplicaView[]): PoolDirectory {
  return { snapshot: () => Promise.resolve(replicas), heartbeat: () => Promise.resolve(true) };
}

/** A tenant and an active key in the test D1; returns the secret key. */
export interface KeyOptions {
  status?: 'active' | 'revoked';
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  monthlyBudgetUsd?: number;
  maxConcurrency?: number;
  maxTokensPerRequest?: number;
  logPayloads?: boolean;
  allowedModels?: string[];
  cacheMode?: 'on' | 'off' | 'exact';
  /** Another key's tenant, to share its cache partition; a new tenant per key otherwise. */
  tenantId?: string;
}

export async function createKey(options: KeyOptions | 'revoked' = {}) {
  const o = options === 'revoked' ? { status: 'revoked' as const } : options;
  const key = generateApiKey();
  const tenantId = o.tenantId ?? `tenant-${seed}`;
  const keyId = `key-${seed++}`;
  await env.DB.batch([
    env.DB.prepare('INSERT OR IGNORE INTO tenants (id, name, created_at_ms) VALUES (?, ?, ?)').bind(
      tenantId,
      'Test tenant',
      fixedNowMs,
    ),
    env.DB.prepare(
      `INSERT INTO api_keys (id, tenant_id, name, key_hash, key_prefix, status, created_at_ms,
         requests_per_minute, tokens_per_minute, monthly_budget_usd, max_concurrency, max_tokens_per_request,
         log_payloads, allowed_models, cache_mode)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).bind(
      keyId,
      tenantId,
      'test',
      await hashApiKey(key),
      displayPrefix(key),
      o.status ?? 'active',
      fixedNowMs,
      o.requestsPerMinute ?? null,
      o.tokensPerMinute ?? null,
      o.monthlyBudgetUsd ?? null,
      o.maxConcurrency ?? null,
      o.maxTokensPerRequest ?? null,
      o.logPayloads === true ? 1 : 0,
      o.allowedModels === undefined ? null : JSON.stringify(o.allowedModels),
      o.cacheMode ?? 'on',
    ),
  ]);
  return { key, keyId, tenantId };
}

export const testCacheConfig: ResponseCacheConfig = {
  defaultTtlSeconds: 3600,
  maxTtlSeconds: 86_400,
  semanticThresholds: {},
  semanticMaxMessages: 5,
};

export function testApp(options: {
  originFetch: OriginFetch;
  pool?: PoolDirectory;
  /** Spillover providers by model; none by default. */
  providers?: Record<string, SpilloverProvider>;
  maxBodyBytes?: number;
  /** Pass `undefined` to run with the admin API switched off. */
  adminToken?: string | undefined;
  poolSecret?: string;
  logger?: Logger;
  payloadRetentionMs?: number;
  /** Timers, retries and health thresholds; tests shorten the timers. */
  forwarding?: Partial<ForwardingPolicy>;
  clock?: Clock;
  /** The model catalogue; the default one (worker/config/models.ts) unless given. */
  models?: ModelCatalogue;
  /** Turns the response cache on (real local KV and CACHE_FLIGHT objects); off by default. */
  cache?: {
    /** Another store (a recording wrapper, say) instead of the local KV one. */
    store?: CacheStore;
    coalesce?: boolean;
    coalesceWaitMs?: number;
    semantic?: SemanticCache;
    config?: Partial<ResponseCacheConfig>;
  };
}) {
  const clock = options.clock ?? { nowMs: () => fixedNowMs };
  const forwarding = { ...defaultForwardingPolicy, ...options.forwarding };
  const d1 = createD1Repositories(env.DB, clock);
  const deps: GatewayDeps = {
    config: {
      poolSecret: options.poolSecret ?? testPoolSecret,
      heartbeatStaleMs: 5_000,
      maxBodyBytes: options.maxBodyBytes ?? 1 << 20,
      adminToken: 'adminToken' in options ? options.adminToken : testAdminToken,
      payloadRetentionMs: options.payloadRetentionMs ?? 30 * 24 * 60 * 60 * 1000,
      forwarding,
      models: options.models ?? buildModelCatalogue(),
    },
    clock,
    rng: seededRng(seed++ * 7919),
    originFetch: options.originFetch,
    apiKeys: d1.apiKeys,
    keys: createD1KeyStore(env.DB),
    usage: d1.directUsageSink,
    limiter: createDurableKeyLimiter(env.RATE_LIMITER),
    prices: d1.priceBook,
    sql: d1.sql,
    feedback: d1.feedback,
    pool: options.pool ?? staticPool([replica()]),
    providers: { forModel: (model) => options.providers?.[model] },
    inFlight: createInFlightCounter(),
    health: createReplicaHealth(forwarding),
    retryBudget: createRetryBudget(),
    logger: options.logger ?? {
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    },
    ...(options.cache && {
      responseCache: {
        store: options.cache.store ?? createKvCacheStore(env.CACHE),
        ...(options.cache.coalesce === true && {
          coalescer: createDurableCoalescer(
            env.CACHE_FLIGHT,
            options.cache.coalesceWaitMs ?? 10_000,
          ),
        }),
        config: { ...testCacheConfig, ...options.cache.config },
      },
      ...(options.cache.semantic && { semantic: options.cache.semantic }),
    }),
  };
  const app = createApp(deps);
  /** Sends a request and waits for its usage row to be written. */
  async function send(path: string, init: RequestInit = {}) {
    const ctx = createExecutionContext();
    const response = await app.request(path, init, {}, ctx);
    const text = await response.text();
    await waitOnExecutionContext(ctx);
    return { response, text };
  }
  return { app, send, deps };
}

export function jsonRequest(
  key: string | undefined,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

export async function usageRow(requestId: string | null) {
  return env.DB.prepare('SELECT * FROM usage_events WHERE request_id = ?')
    .bind(requestId)
    .first<Record<string, unknown>>();
}
