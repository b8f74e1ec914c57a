import type { CacheMode } from '../db/schema';

/**
 * Whether the cache may answer a request and keep its answer (RELIABILITY K2, K7), decided from
 * the body, the request's headers and the key's cache mode. Pure; the flow acts on the result.
 */

export interface CachePolicyConfig {
  /** TTL when the request names none (`CACHE_TTL_SECONDS`). */
  defaultTtlSeconds: number;
  /** The most a request may ask for with `x-switchyard-cache-ttl` (`CACHE_MAX_TTL_SECONDS`). */
  maxTtlSeconds: number;
}

/** Workers KV refuses an `expirationTtl` below 60 seconds (K7). */
export const kvMinTtlSeconds = 60;

export type CacheDecision =
  | { kind: 'bypass'; reason: BypassReason }
  | {
      kind: 'use';
      /** Look for a stored answer (false with `cache-control: no-cache`). */
      read: boolean;
      /** Keep the answer (false with `no-store`). */
      write: boolean;
      /** The key's mode allows the semantic cache (`on`, not `exact`). */
      semantic: boolean;
      ttlSeconds: number;
    };

export type BypassReason =
  'key_cache_off' | 'not_deterministic' | 'logprobs' | 'no_cache_no_store' | 'cache_disabled';

export type TtlHeader = { ok: true; ttlSeconds: number | undefined } | { ok: false };

/**
 * `x-switchyard-cache-ttl`: whole seconds. Raised to KV's 60-second floor and capped at the
 * configured maximum; anything that is not a whole positive number is a client error.
 */
export function parseTtlHeader(value: string | undefined, config: CachePolicyConfig): TtlHeader {
  if (value === undefined) return { ok: true, ttlSeconds: undefined };
  if (!/^\s*\d{1,10}\s*$/.test(value)) return { ok: false };
  const asked = Number(value);
  if (asked <= 0) return { ok: false };
  return {
    ok: true,
    ttlSeconds: Math.min(config.maxTtlSeconds, Math.max(kvMinTtlSeconds, asked)),
  };
}

/** The `cache-control` request directives the gateway honours, case-insensitive. */
export function cacheControlDirectives(value: string | undefined): {
  noCache: boolean;
  noStore: boolean;
} {
  const directives = new Set(
    (value ?? '')
      .toLowerCase()
      .split(',')
      .map((d) => d.trim()),
  );
  return { noCache: directives.has('no-cache'), noStore: directives.has('no-store') };
}

/**
 * Deterministic by the rule of decision 4: `temperature: 0` written out, or a `seed`. An omitted
 * temperature is OpenAI's default 1.0, so it is not deterministic (K2).
 */
export function isDeterministic(body: Readonly<Record<string, unknown>>): boolean {
  const seeded = typeof body.seed === 'number';
  return body.temperature === 0 || seeded;
}

export function decideCaching(input: {
  body: Readonly<Record<string, unknown>>;
  cacheMode: CacheMode;
  cacheControl: string | undefined;
  ttlSeconds: number | undefined;
  config: CachePolicyConfig;
}): CacheDecision {
  if (input.cacheMode === 'off') return { kind: 'bypass', reason: 'key_cache_off' };
  if (!isDeterministic(input.body)) return { kind: 'bypass', reason: 'not_deterministic' };
  // A replay carries no per-token log probabilities, so such a request always goes upstream.
  if (input.body.logprobs === true || input.body.top_logprobs != null) {
    return { kind: 'bypass', reason: 'logprobs' };
  }
  const { noCache, noStore } = cacheControlDirectives(input.cacheControl);
  if (noCache && noStore) return { kind: 'bypass', reason: 'no_cache_no_store' };
  return {
    kind: 'use',
    read: !noCache,
    write: !noStore,
    semantic: input.cacheMode === 'on',
    ttlSeconds: input.ttlSeconds ?? input.config.defaultTtlSeconds,
  };
}

/**
 * Only complete answers are kept: every choice ended with `stop` or `tool_calls`. `length`
 * (truncated), `content_filter`, a missing finish and anything unknown are not (K2).
 */
export function answerIsComplete(finishReasons: readonly (string | null | undefined)[]): boolean {
  return finishReasons.length > 0 && finishReasons.every((r) => r === 'stop' || r === 'tool_calls');
}
