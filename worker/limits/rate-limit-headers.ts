import type { RateHeaders } from './key-limits';

/** OpenAI's reset format: `1s`, `6m0s`, `1h2m3s` (rounded up to whole seconds). */
export function formatResetDuration(ms: number): string {
  let seconds = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/** The `x-ratelimit-*` headers OpenAI clients read, for the limits the key has. */
export function rateLimitHeaders(headers: RateHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers.limitRequests !== undefined) {
    out['x-ratelimit-limit-requests'] = String(headers.limitRequests);
    out['x-ratelimit-remaining-requests'] = String(headers.remainingRequests ?? 0);
    out['x-ratelimit-reset-requests'] = formatResetDuration(headers.resetRequestsMs ?? 0);
  }
  if (headers.limitTokens !== undefined) {
    out['x-ratelimit-limit-tokens'] = String(headers.limitTokens);
    out['x-ratelimit-remaining-tokens'] = String(headers.remainingTokens ?? 0);
    out['x-ratelimit-reset-tokens'] = formatResetDuration(headers.resetTokensMs ?? 0);
  }
  return out;
}
