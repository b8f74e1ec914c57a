import type { Heartbeat } from '../contracts/heartbeat';
import type { KeySummary, NewKeyRecord, RotateOutcome } from './admin/key-records';
import type {
  ApiKeyStatus,
  CacheMode,
  FeedbackRow,
  RequestPayloadRow,
  UsageAttemptRow,
  UsageEventRow,
} from './db/schema';
import type { HealthSignal, HealthState } from './core/health-state';
import type { ForwardingPolicy } from './core/forwarding-policy';
import type { Admission, KeyPolicy } from './limits/key-limits';
import type { ModelCatalogue } from './router/model-catalogue';

/**
 * The edge's ports: every piece of I/O the core needs, with only the methods it uses.
 * `bindings.ts` builds the real adapters from the Worker's bindings; tests pass fakes.
 */

export interface Clock {
  nowMs(): number;
}

/** Uniform in [0, 1). Injected so every random choice is reproducible in tests. */
export interface Rng {
  next(): number;
}

/** Sends one request to an origin replica. Never retries on its own (RELIABILITY R1). */
export type OriginFetch = (request: Request) => Promise<Response>;

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  keyHash: string;
  status: ApiKeyStatus;
  policy: KeyPolicy;
  maxTokensPerRequest: number | null;
  /** Store this key's prompts and answers (redacted, expiring); false for nearly every key. */
  logPayloads: boolean;
  /** Model names the key may ask for; null means every configured name. */
  allowedModels: string[] | null;
  cacheMode: CacheMode;
}

export interface ApiKeyRepository {
  findByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
}

/**
 * API keys as the admin API manages them (D1). Secrets never reach it, only their hashes; listings
 * carry no hash at all. The `npm run keys` CLI does the same through `wrangler d1 execute`.
 */
export interface KeyStore {
  /** Inserts the key, and its tenant when no tenant has that id yet. */
  create(record: NewKeyRecord): Promise<void>;
  list(filter: { tenantId?: string }): Promise<KeySummary[]>;
  /** Undefined when no key has the id. Revoking twice keeps the first revocation time. */
  revoke(keyId: string, nowMs: number): Promise<KeySummary | undefined>;
  /** Replaces an active key's hash, so the old secret stops matching on the next lookup. */
  rotate(keyId: string, secret: { keyHash: string; keyPrefix: string }): Promise<RotateOutcome>;
}

export interface UsageRecord {
  event: UsageEventRow;
  attempts: UsageAttemptRow[];
  /** Only for keys that opted in to payload logging (RELIABILITY O2); already redacted and capped. */
  payload?: RequestPayloadRow;
}

export interface UsageSink {
  /** Idempotent on `requestId`: writing the same record twice leaves one row (RELIABILITY U1). */
  record(record: UsageRecord): Promise<void>;
}

/** The key's exact global counters (the `RATE_LIMITER` Durable Object for that key). */
export interface KeyLimiter {
  admit(
    keyId: string,
    policy: KeyPolicy,
    request: { leaseId: string; reserveTokens: number; nowMs: number },
  ): Promise<Admission>;
  settle(
    keyId: string,
    policy: KeyPolicy,
    outcome: { leaseId: string; usedTokens: number; costUsd: number; nowMs: number },
  ): Promise<void>;
  setRevoked(keyId: string, revoked: boolean, nowMs: number): Promise<void>;
}

export interface FeedbackStore {
  /** The tenant whose request this was, if the usage row exists. */
  requestTenant(requestId: string): Promise<string | undefined>;
  insert(row: FeedbackRow): Promise<void>;
}

export interface ModelPrice {
  inputUsdPerMillion: number;
  outputUsdPerMillion: number;
}

export interface PriceBook {
  /** The configured price of a model, or undefined when it has none (cost 0). */
  priceOf(model: string): Promise<ModelPrice | undefined>;
}

/** A replica as the edge sees it: its last heartbeat plus when the pool received it. */
export interface ReplicaView extends Heartbeat {
  lastSeenMs: number;
  /** The signed timestamp of the heartbeat kept; only a newer one replaces it. */
  signedAtMs: number;
  registeredAtMs: number;
  /** When the replica last turned `ready` (for slow start); absent while not ready. */
  readySinceMs?: number;
}

export interface PoolDirectory {
  /** Recent view of the pool; up to about a second old unless `fresh` is asked for. */
  snapshot(options?: { fresh: boolean }): Promise<ReplicaView[]>;
  /** Records a verified heartbeat; false when a newer one was already recorded. */
  heartbeat(heartbeat: Heartbeat, signedAtMs: number): Promise<boolean>;
}

/** Keeps work alive after the response is returned (`ctx.waitUntil` in the Workers runtime). */
export type WaitUntil = (promise: Promise<unknown>) => void;

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface GatewayConfig {
  /** Secret shared with the origin: verifies heartbeats and signs edge→origin requests. */
  poolSecret: string;
  /** A heartbeat older than this makes its replica unknown, never idle. */
  heartbeatStaleMs: number;
  maxBodyBytes: number;
  /** Bearer token for /admin/*; undefined turns the admin API off. */
  adminToken: string | undefined;
  /** How long stored payloads of opted-in keys are kept (`PAYLOAD_RETENTION_DAYS`). */
  payloadRetentionMs: number;
  /** Timers, retries, passive health and cache salting (core/forwarding-policy.ts). */
  forwarding: ForwardingPolicy;
  /** Models, aliases and routed names with their router (worker/config/models.ts). */
  models: ModelCatalogue;
}

/**
 * Runs one read-only SQL statement on D1. Reports are SQL strings shared with the CLI, which runs
 * the same text through `wrangler d1 execute`, so the admin API needs nothing more specific.
 */
export interface SqlRunner {
  all(sql: string): Promise<Record<string, unknown>[]>;
}

/** An OpenAI-compatible provider a model spills over to when the pool cannot serve it. */
export interface SpilloverProvider {
  /** Shown as `provider:<name>` in `x-switchyard-replica` and usage rows. */
  name: string;
  /** Including the version path, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  apiKey: string;
  /** The provider's name for the model. */
  model: string;
}

export interface ProviderDirectory {
  /** The model's spillover provider, if one is configured and its key is set. */
  forModel(model: string): SpilloverProvider | undefined;
}

export interface GatewayDeps {
  config: GatewayConfig;
  clock: Clock;
  rng: Rng;
  originFetch: OriginFetch;
  apiKeys: ApiKeyRepository;
  keys: KeyStore;
  usage: UsageSink;
  limiter: KeyLimiter;
  prices: PriceBook;
  sql: SqlRunner;
  feedback: FeedbackStore;
  pool: PoolDirectory;
  providers: ProviderDirectory;
  inFlight: InFlightCounter;
  health: ReplicaHealth;
  retryBudget: RetryBudget;
  logger: Logger;
  /** The semantic cache's building blocks; absent where a test app does not need them. */
  semantic?: SemanticCache;
  /** The response cache (worker/cache/); absent, every request bypasses it. */
  responseCache?: ResponseCache;
}

/** The exact cache's storage: Workers KV (binding `CACHE`). Values are text, TTLs whole seconds. */
export interface CacheStore {
  get(key: string): Promise<string | undefined>;
  /** `ttlSeconds` is at least 60: KV refuses shorter expirations (RELIABILITY K7). */
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** One page of keys under `prefix`, and the cursor of the next page if there is one. */
  list(prefix: string, cursor?: string): Promise<{ keys: string[]; cursor?: string }>;
  delete(key: string): Promise<void>;
}

/** A request's part in a single flight: it calls upstream, or it received the leader's answer. */
export type FlightRole =
  | { role: 'leader' }
  /** `answer` is undefined when the leader failed or took too long: the follower goes on alone. */
  | { role: 'follower'; answer: string | undefined };

/** Single flight per cache key (the `CACHE_FLIGHT` Durable Object, one per key). */
export interface Coalescer {
  join(key: string, requestId: string): Promise<FlightRole>;
  /** The leader's answer (a stored cache entry), or undefined when it has none to share. */
  finish(key: string, requestId: string, answer: string | undefined): Promise<void>;
}

export interface ResponseCacheConfig {
  /** TTL of an entry when the request names none (`CACHE_TTL_SECONDS`). */
  defaultTtlSeconds: number;
  /** The most `x-switchyard-cache-ttl` may ask for (`CACHE_MAX_TTL_SECONDS`). */
  maxTtlSeconds: number;
  /**
   * Per-model semantic thresholds (`SEMANTIC_THRESHOLDS`); a model without one uses the semantic
   * cache's own `threshold` (RELIABILITY K4).
   */
  semanticThresholds: Readonly<Record<string, number>>;
  /** Conversations longer than this many messages never use the semantic cache. */
  semanticMaxMessages: number;
}

export interface ResponseCache {
  store: CacheStore;
  /** Absent: identical requests in flight at once each go upstream. */
  coalescer?: Coalescer;
  config: ResponseCacheConfig;
}

/** This isolate's own count of requests in flight per replica. */
export interface InFlightCounter {
  get(replicaId: string): number;
  acquire(replicaId: string): () => void;
}

/** This isolate's passive health of replicas (core/replica-health.ts, RELIABILITY H1, H2, H6). */
export interface ReplicaHealth {
  /** Whether a request may go to the replica now (open, or its half-open probe is due). */
  admits(replicaId: string, nowMs: number): boolean;
  dispatched(replicaId: string, nowMs: number): void;
  /** `peers`: the model's ready replicas, so the last one able to serve is never ejected. */
  report(replicaId: string, signal: HealthSignal, nowMs: number, peers: readonly string[]): void;
  /** The replica said 429 with Retry-After: nothing goes there before `untilMs` (R6). */
  retryAfter(replicaId: string, untilMs: number): void;
  state(replicaId: string): HealthState;
}

/** This isolate's retry budget (core/retry-budget.ts, RELIABILITY R5). */
export interface RetryBudget {
  /** A request starts dispatching; the returned function ends it. */
  enter(): () => void;
  /** A slot for one retry, or undefined when the budget is spent. */
  tryRetry(): (() => void) | undefined;
  retriesInFlight(): number;
}

/**
 * Turns texts into vectors for the semantic cache: Workers AI in production, the origin pool's
 * `/v1/embeddings` where prompts must stay inside the perimeter, a local embedder offline.
 */
export interface Embedder {
  /** Names the model: vectors from different embedders are never compared. */
  readonly id: string;
  readonly dimensions: number;
  embed(texts: readonly string[]): Promise<number[][]>;
}

export interface VectorMatch {
  id: string;
  /** Cosine similarity in [-1, 1]. */
  score: number;
  metadata: Record<string, string | number>;
}

export interface VectorEntry {
  id: string;
  values: readonly number[];
  /** The hard partition (a scope hash): a query never sees another namespace's entries. */
  namespace: string;
  metadata: Record<string, string | number>;
}

/**
 * A vector index with Vectorize's semantics: cosine scores, a hard namespace partition, `topK`
 * capped as Vectorize caps it, and writes that may become visible only after a delay.
 */
export interface VectorIndex {
  query(
    vector: readonly number[],
    options: { topK: number; namespace: string },
  ): Promise<VectorMatch[]>;
  upsert(entries: readonly VectorEntry[]): Promise<void>;
  deleteByIds(ids: readonly string[]): Promise<void>;
}

/**
 * What the semantic cache flow uses (worker/cache/semantic/): an embedder, an index partitioned by
 * namespace, the similarity a hit needs and the false-hit guards. bindings.ts picks the adapters.
 */
export interface SemanticCache {
  embedder: Embedder;
  index: VectorIndex;
  /**
   * The operator's threshold (`SEMANTIC_THRESHOLD`), else the embedder's measured default (the
   * local embedder's, bench/README.md). Undefined when neither exists: no semantic hit may be
   * served then. A request may raise it, never lower it (RELIABILITY K4).
   */
  threshold: number | undefined;
  /** Compares the query's final user turn with the stored one (guards.ts). */
  guardsPass(query: string, stored: string): boolean;
}
