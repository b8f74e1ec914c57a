import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { estimateTokens } from '../core/usage-row';
import { GatewayError } from '../errors';
import type { GatewayDeps } from '../ports';
import type { KeyPolicy, Rejection } from './key-limits';
import { rateLimitHeaders } from './rate-limit-headers';

/** Reserved for a generation that names no `max_tokens`, unless the key's policy caps it lower. */
export const defaultReservedCompletionTokens = 1024;

export interface AdmissionInput {
  promptChars: number;
  /** `max_tokens` / `max_completion_tokens` as asked; undefined for embeddings and when absent. */
  maxTokens: number | undefined;
  n: number;
  generates: boolean;
}

/** Tokens to reserve before the call: the prompt estimate plus the most it may generate (L3). */
export function tokensToReserve(input: AdmissionInput, maxTokensPerRequest: number | null): number {
  const prompt = estimateTokens(input.promptChars);
  if (!input.generates) return prompt;
  const perChoice =
    input.maxTokens ?? Math.min(defaultReservedCompletionTokens, maxTokensPerRequest ?? Infinity);
  return prompt + perChoice * input.n;
}

export function hasCountedLimit(policy: KeyPolicy): boolean {
  return (
    policy.requestsPerMinute !== null ||
    policy.tokensPerMinute !== null ||
    policy.monthlyBudgetUsd !== null ||
    policy.maxConcurrency !== null
  );
}

const rejectionMessages: Record<Exclude<Rejection, 'revoked'>, string> = {
  requests: 'Rate limit reached for requests per minute on this key.',
  tokens: 'Rate limit reached for tokens per minute on this key.',
  concurrency: 'Too many concurrent requests on this key.',
  budget: "This key's monthly budget is spent.",
  too_large: "The request needs more tokens than this key's per-minute limit allows.",
};

/**
 * Asks the key's Durable Object to admit the request, reserving its tokens. On success the
 * rate-limit headers go onto the response and the lease is kept on the usage draft, so the
 * usage recorder settles it with the real token count and cost.
 */
export async function admitRequest(
  c: Context<AppEnv>,
  deps: GatewayDeps,
  input: AdmissionInput,
): Promise<Record<string, string>> {
  const auth = c.get('auth');
  const requested = (input.maxTokens ?? 0) * input.n;
  if (
    input.generates &&
    auth.maxTokensPerRequest !== null &&
    requested > auth.maxTokensPerRequest
  ) {
    throw new GatewayError(
      'max_tokens_exceeds_policy',
      `max_tokens × n is ${requested}; this key allows at most ${auth.maxTokensPerRequest}.`,
      { param: 'max_tokens' },
    );
  }
  // A key with no counted limit has nothing to count: skipping its Durable Object keeps every
  // request of a busy unlimited key from queueing through one object. Revocation still holds,
  // within the auth lookup cache's TTL (AUTH_CACHE_TTL_MS), because auth reads the key's status.
  if (!hasCountedLimit(auth.policy)) return {};
  const reserveTokens = tokensToReserve(input, auth.maxTokensPerRequest);
  const leaseId = c.get('requestId');
  const draft = c.get('usage');
  // Held before the call: if the object admitted but the answer was lost, settling the unknown
  // lease is a no-op, and a known one is not left holding a slot.
  draft.lease = { keyId: auth.keyId, policy: auth.policy, leaseId };
  const admission = await deps.limiter.admit(auth.keyId, auth.policy, {
    leaseId,
    reserveTokens,
    nowMs: deps.clock.nowMs(),
  });
  const headers = rateLimitHeaders(admission.headers);
  if (admission.ok) return headers;
  draft.lease = undefined;
  if (admission.reason === 'revoked') {
    throw new GatewayError('invalid_api_key', 'Incorrect API key provided.');
  }
  draft.rateLimited = admission.reason;
  const code = admission.reason === 'budget' ? 'budget_exceeded' : 'rate_limit_exceeded';
  if (admission.reason === 'too_large') {
    throw new GatewayError(code, rejectionMessages.too_large, {
      status: 400,
      headers,
      param: 'max_tokens',
    });
  }
  throw new GatewayError(code, rejectionMessages[admission.reason], {
    retryAfterSeconds: admission.retryAfterMs / 1000,
    headers,
  });
}
