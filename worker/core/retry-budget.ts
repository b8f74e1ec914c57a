import type { RetryBudget } from '../ports';
import { retryLimit } from './retry-policy';

/**
 * This isolate's retry budget (RELIABILITY R5): requests in their dispatch phase, and retries in
 * flight among them. When every replica fails, the budget turns extra load into client errors
 * instead of multiplying it. Both counters are released idempotently.
 */
export function createRetryBudget(): RetryBudget {
  let requests = 0;
  let retries = 0;
  const once = (release: () => void) => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      release();
    };
  };
  return {
    enter() {
      requests += 1;
      return once(() => (requests -= 1));
    },
    tryRetry() {
      if (retries >= retryLimit(requests)) return undefined;
      retries += 1;
      return once(() => (retries -= 1));
    },
    retriesInFlight: () => retries,
  };
}
