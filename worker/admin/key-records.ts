import * as z from 'zod';
import { displayPrefix, generateApiKey, hashApiKey } from '../../contracts/api-key';
import { cacheModes, type CacheMode } from '../db/schema';

/**
 * API key records as the operator manages them, shared by the admin API (`routes/admin-keys.ts`)
 * and the `npm run keys` CLI, so both validate the same input and show the same listing. Nothing
 * here may import Workers-only types: the CLI runs in Node. Only `issueKeySecret` does I/O (the
 * CSPRNG and a digest); everything else is pure.
 */

/** Tenant ids appear in URLs, reports and cache partitions: keep them plain. */
export const tenantIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
  message: 'must be 1–64 letters, digits, _ . or -, starting with a letter or digit',
});

/** A model name as requests spell it: a served model, an alias or a routed name. */
export const modelNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,127}$/, {
  message: 'must be 1–128 letters, digits, _ . : / @ or -, starting with a letter or digit',
});

const positiveInt = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** A key's limits; null (or absent) means unlimited. Counted by the key's RATE_LIMITER object. */
export const keyLimitsSchema = z.strictObject({
  requestsPerMinute: positiveInt.nullish(),
  tokensPerMinute: positiveInt.nullish(),
  monthlyBudgetUsd: z.number().positive().max(1e9).nullish(),
  maxConcurrency: positiveInt.nullish(),
  maxTokensPerRequest: positiveInt.nullish(),
});

/** Strict: a misspelt limit must be a 400, not a key that is silently unlimited. */
export const createKeyInputSchema = z.strictObject({
  tenantId: tenantIdSchema,
  /** Used only when the tenant does not exist yet; defaults to the tenant id. */
  tenantName: z.string().trim().min(1).max(200).optional(),
  name: z.string().trim().min(1).max(200),
  limits: keyLimitsSchema.default({}),
  /**
   * Store this key's prompts and answers, redacted and expiring (RELIABILITY O2). Off unless
   * asked for: a key the operator says nothing about keeps metadata only.
   */
  logPayloads: z.boolean().default(false),
  /** The model names the key may ask for; absent or null means every configured name. */
  allowedModels: z.array(modelNameSchema).min(1).max(64).nullish(),
  /** `exact` keeps exact-match caching and skips the semantic cache; `off` skips both. */
  cacheMode: z.enum(cacheModes).default('on'),
});
export type CreateKeyInput = z.infer<typeof createKeyInputSchema>;

export interface KeyLimits {
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  monthlyBudgetUsd: number | null;
  maxConcurrency: number | null;
  maxTokensPerRequest: number | null;
}

export type KeyStatus = 'active' | 'revoked';

/** An `api_keys` row, camel-cased: what drizzle returns and what the CLI parses wrangler's JSON into. */
export interface KeyRow extends KeyLimits {
  id: string;
  tenantId: string;
  name: string;
  keyHash: string;
  keyPrefix: string;
  status: KeyStatus;
  createdAtMs: number;
  revokedAtMs: number | null;
  logPayloads: boolean;
  allowedModels: string[] | null;
  cacheMode: CacheMode;
}

/** What listings show of a key. No hash, ever: a listing is not a place for credentials. */
export interface KeySummary {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  status: KeyStatus;
  limits: KeyLimits;
  /** Whether the key's prompts and answers are stored (redacted, expiring). */
  logPayloads: boolean;
  /** Null means every configured model name. */
  allowedModels: string[] | null;
  cacheMode: CacheMode;
  createdAtMs: number;
  revokedAtMs: number | null;
}

/** A new key and the tenant row to insert when its tenant does not exist yet. */
export interface NewKeyRecord {
  tenant: { id: string; name: string; createdAtMs: number };
  key: KeyRow;
}

/** A secret as issued: the secret itself goes to the caller once, the rest to D1. */
export interface IssuedSecret {
  secret: string;
  keyHash: string;
  keyPrefix: string;
}

export type RotateOutcome =
  | { status: 'rotated'; key: KeySummary }
  | { status: 'revoked'; key: KeySummary }
  | { status: 'not_found' };

/** Said wherever a secret is printed or returned. */
export const secretShownOnceWarning =
  'Store this secret now: it is shown only once and cannot be recovered, only rotated.';

export async function issueKeySecret(): Promise<IssuedSecret> {
  const secret = generateApiKey();
  return { secret, keyHash: await hashApiKey(secret), keyPrefix: displayPrefix(secret) };
}

/**
 * `key_` and 16 hex digits from a uniform source (the app's CSPRNG-backed `Rng`): 64 random bits
 * make a collision on insert practically impossible, and a seeded source keeps tests repeatable.
 */
export function newKeyId(rng: { next(): number }): string {
  let hex = '';
  for (let i = 0; i < 16; i++) hex += Math.floor(rng.next() * 16).toString(16);
  return `key_${hex}`;
}

export function buildKeyRecord(
  input: CreateKeyInput,
  issued: { keyId: string; keyHash: string; keyPrefix: string },
  nowMs: number,
): NewKeyRecord {
  const limits = input.limits;
  return {
    tenant: { id: input.tenantId, name: input.tenantName ?? input.tenantId, createdAtMs: nowMs },
    key: {
      id: issued.keyId,
      tenantId: input.tenantId,
      name: input.name,
      keyHash: issued.keyHash,
      keyPrefix: issued.keyPrefix,
      status: 'active',
      createdAtMs: nowMs,
      revokedAtMs: null,
      requestsPerMinute: limits.requestsPerMinute ?? null,
      tokensPerMinute: limits.tokensPerMinute ?? null,
      monthlyBudgetUsd: limits.monthlyBudgetUsd ?? null,
      maxConcurrency: limits.maxConcurrency ?? null,
      maxTokensPerRequest: limits.maxTokensPerRequest ?? null,
      logPayloads: input.logPayloads,
      allowedModels: input.allowedModels ?? null,
      cacheMode: input.cacheMode,
    },
  };
}

export function toKeySummary(row: Omit<KeyRow, 'keyHash'>): KeySummary {
  return {
    id: row.id,
    tenantId: row.tenantId,
    name: row.name,
    prefix: row.keyPrefix,
    status: row.status,
    limits: {
      requestsPerMinute: row.requestsPerMinute,
      tokensPerMinute: row.tokensPerMinute,
      monthlyBudgetUsd: row.monthlyBudgetUsd,
      maxConcurrency: row.maxConcurrency,
      maxTokensPerRequest: row.maxTokensPerRequest,
    },
    logPayloads: row.logPayloads,
    allowedModels: row.allowedModels,
    cacheMode: row.cacheMode,
    createdAtMs: row.createdAtMs,
    revokedAtMs: row.revokedAtMs,
  };
}

/**
 * Reads a rotation from the row as it is after `UPDATE … WHERE id = ? AND status = 'active'`:
 * a revoked key keeps its old hash, because a new secret for it could never work (its Durable
 * Object stays revoked) and would only mislead.
 */
export function rotationOutcome(rowAfter: Omit<KeyRow, 'keyHash'> | undefined): RotateOutcome {
  if (rowAfter === undefined) return { status: 'not_found' };
  const key = toKeySummary(rowAfter);
  return rowAfter.status === 'active' ? { status: 'rotated', key } : { status: 'revoked', key };
}

/** One line for a terminal: `rpm=60 tpm=100000 budget=$50 concurrency=4 max-tokens=4096`. */
export function describeLimits(limits: KeyLimits): string {
  const parts = [
    ['rpm', limits.requestsPerMinute],
    ['tpm', limits.tokensPerMinute],
    ['budget', limits.monthlyBudgetUsd === null ? null : `$${limits.monthlyBudgetUsd}`],
    ['concurrency', limits.maxConcurrency],
    ['max-tokens', limits.maxTokensPerRequest],
  ] as const;
  const set = parts
    .filter(([, value]) => value !== null)
    .map(([name, value]) => `${name}=${value}`);
  return set.length === 0 ? 'unlimited' : set.join(' ');
}
