import { eq, lte } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type {
  ApiKeyRepository,
  FeedbackStore,
  Clock,
  PriceBook,
  SqlRunner,
  UsageRecord,
  UsageSink,
} from '../ports';
import {
  apiKeys,
  feedback,
  modelPrices,
  requestPayloads,
  usageAttempts,
  usageEvents,
} from './schema';

/** How long an isolate trusts its copy of the price list. Prices change rarely. */
const priceCacheMs = 60_000;

/** D1 adapters for the edge's repositories, through drizzle. */
export function createD1Repositories(db: D1Database, clock: Clock) {
  const orm = drizzle(db);

  const apiKeyRepository: ApiKeyRepository = {
    async findByHash(keyHash) {
      const rows = await orm.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash)).limit(1);
      const row = rows[0];
      if (row === undefined) return undefined;
      return {
        id: row.id,
        tenantId: row.tenantId,
        keyHash: row.keyHash,
        status: row.status,
        maxTokensPerRequest: row.maxTokensPerRequest,
        logPayloads: row.logPayloads,
        allowedModels: row.allowedModels ?? null,
        cacheMode: row.cacheMode,
        policy: {
          requestsPerMinute: row.requestsPerMinute,
          tokensPerMinute: row.tokensPerMinute,
          monthlyBudgetUsd: row.monthlyBudgetUsd,
          maxConcurrency: row.maxConcurrency,
        },
      };
    },
  };

  /**
   * Writes many records in one D1 batch (one transaction). The request id is the key of
   * usage_events, of request_payloads, and (request id, attempt) of usage_attempts, so a
   * redelivered batch is harmless.
   */
  async function writeUsage(records: readonly UsageRecord[]): Promise<void> {
    const statements = records.flatMap((record) => [
      orm.insert(usageEvents).values(record.event).onConflictDoNothing(),
      ...record.attempts.map((attempt) =>
        orm.insert(usageAttempts).values(attempt).onConflictDoNothing(),
      ),
      ...(record.payload === undefined
        ? []
        : [orm.insert(requestPayloads).values(record.payload).onConflictDoNothing()]),
    ]);
    const [first, ...rest] = statements;
    if (first !== undefined) await orm.batch([first, ...rest]);
  }

  const directUsageSink: UsageSink = { record: (record) => writeUsage([record]) };

  /** Deletes stored payloads whose retention ended at or before `nowMs`; returns how many. */
  async function deleteExpiredPayloads(nowMs: number): Promise<number> {
    const result = await orm.delete(requestPayloads).where(lte(requestPayloads.expiresAtMs, nowMs));
    return result.meta.changes;
  }

  let prices:
    | {
        byModel: Map<string, { inputUsdPerMillion: number; outputUsdPerMillion: number }>;
        atMs: number;
      }
    | undefined;
  const priceBook: PriceBook = {
    async priceOf(model) {
      const nowMs = clock.nowMs();
      if (prices === undefined || nowMs - prices.atMs > priceCacheMs) {
        const rows = await orm.select().from(modelPrices);
        prices = { byModel: new Map(rows.map((r) => [r.model, r])), atMs: nowMs };
      }
      return prices.byModel.get(model);
    },
  };

  const sql: SqlRunner = {
    async all(statement) {
      return (await db.prepare(statement).all<Record<string, unknown>>()).results;
    },
  };

  const feedbackStore: FeedbackStore = {
    async requestTenant(requestId) {
      const rows = await orm
        .select({ tenantId: usageEvents.tenantId })
        .from(usageEvents)
        .where(eq(usageEvents.requestId, requestId))
        .limit(1);
      return rows[0]?.tenantId ?? undefined;
    },
    async insert(row) {
      await orm.insert(feedback).values(row);
    },
  };

  return {
    apiKeys: apiKeyRepository,
    directUsageSink,
    writeUsage,
    deleteExpiredPayloads,
    priceBook,
    sql,
    feedback: feedbackStore,
  };
}
