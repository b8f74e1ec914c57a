import { describe, expect, it } from 'vitest';
import { createRetryBudget } from '../../worker/core/retry-budget';
import {
  clippedWaitMs,
  judgeAttempt,
  mayRetry,
  retryLimit,
  type AttemptOutcome,
} from '../../worker/core/retry-policy';

describe('judgeAttempt', () => {
  it.each([
    [400, false, 'success'],
    [401, false, 'success'],
    [403, false, 'success'],
    [404, false, 'success'],
    [413, false, 'success'],
    [422, false, 'success'],
    [409, false, 'success'],
    [500, false, 'failure'],
    [502, true, 'failure'],
    [503, true, 'failure'],
    [504, true, 'failure'],
    [429, true, 'neutral'],
  ] as const)('an engine status %i is retryable=%s with health %s', (status, retryable, health) => {
    expect(judgeAttempt('upstream_status', status)).toEqual({ retryable, health });
  });

  it.each<[AttemptOutcome, boolean, string]>([
    ['unreachable', true, 'failure'],
    ['reset_before_first_byte', true, 'failure'],
    ['headers_timeout', true, 'failure'],
    ['first_byte_timeout', true, 'neutral'],
    ['inband_error', true, 'failure'],
    ['client_cancelled', false, 'neutral'],
    ['not_a_stream', false, 'neutral'],
    ['ok', false, 'success'],
  ])('a %s attempt is retryable=%s with health %s', (outcome, retryable, health) => {
    expect(judgeAttempt(outcome, 0)).toEqual({ retryable, health });
  });
});

describe('mayRetry', () => {
  it.each([
    {
      retryable: true,
      attemptsSoFar: 1,
      maxAttempts: 3,
      clientGone: false,
      deadlinePassed: false,
      expected: true,
    },
    {
      retryable: true,
      attemptsSoFar: 2,
      maxAttempts: 3,
      clientGone: false,
      deadlinePassed: false,
      expected: true,
    },
    {
      retryable: true,
      attemptsSoFar: 3,
      maxAttempts: 3,
      clientGone: false,
      deadlinePassed: false,
      expected: false,
    },
    {
      retryable: true,
      attemptsSoFar: 1,
      maxAttempts: 1,
      clientGone: false,
      deadlinePassed: false,
      expected: false,
    },
    {
      retryable: false,
      attemptsSoFar: 1,
      maxAttempts: 3,
      clientGone: false,
      deadlinePassed: false,
      expected: false,
    },
    {
      retryable: true,
      attemptsSoFar: 1,
      maxAttempts: 3,
      clientGone: true,
      deadlinePassed: false,
      expected: false,
    },
    {
      retryable: true,
      attemptsSoFar: 1,
      maxAttempts: 3,
      clientGone: false,
      deadlinePassed: true,
      expected: false,
    },
  ])(
    'retryable=$retryable after $attemptsSoFar of $maxAttempts, client gone=$clientGone → $expected',
    ({ expected, ...input }) => {
      expect(mayRetry(input)).toBe(expected);
    },
  );
});

describe('clippedWaitMs', () => {
  it.each([
    { timerMs: 1000, deadlineAtMs: 10_000, nowMs: 0, expected: 1000 },
    { timerMs: 1000, deadlineAtMs: 10_000, nowMs: 9_500, expected: 500 },
    { timerMs: 1000, deadlineAtMs: 10_000, nowMs: 10_000, expected: 0 },
    { timerMs: 1000, deadlineAtMs: 10_000, nowMs: 12_000, expected: 0 },
  ])('a $timerMs ms timer at $nowMs with the deadline at $deadlineAtMs → $expected', (c) => {
    expect(clippedWaitMs(c.timerMs, c.deadlineAtMs, c.nowMs)).toBe(c.expected);
  });
});

describe('retryLimit', () => {
  it.each([
    [0, 3],
    [1, 3],
    [15, 3],
    [19, 3],
    [20, 4],
    [24, 4],
    [25, 5],
    [200, 40],
    [1000, 200],
  ])('with %i requests in flight allows %i concurrent retries', (inFlight, limit) => {
    expect(retryLimit(inFlight)).toBe(limit);
  });
});

describe('createRetryBudget', () => {
  const fill = (requests: number) => {
    const budget = createRetryBudget();
    for (let i = 0; i < requests; i += 1) budget.enter();
    const granted: (() => void)[] = [];
    for (let release = budget.tryRetry(); release; release = budget.tryRetry()) {
      granted.push(release);
    }
    return { budget, granted };
  };

  it.each([
    [1, 3],
    [10, 3],
    [30, 6],
    [200, 40],
  ])('with %i requests in flight grants exactly %i retries, then refuses', (requests, limit) => {
    const { budget, granted } = fill(requests);
    expect(granted).toHaveLength(limit);
    expect(budget.retriesInFlight()).toBe(limit);
    expect(budget.tryRetry()).toBeUndefined();
  });

  it('frees a slot when a retry ends, and releasing twice frees only one', () => {
    const { budget, granted } = fill(1);
    granted[0]?.();
    granted[0]?.();
    expect(budget.retriesInFlight()).toBe(2);
    expect(budget.tryRetry()).toBeDefined();
    expect(budget.tryRetry()).toBeUndefined();
  });

  it('shrinks the limit as requests leave, and a request leaving twice counts once', () => {
    const budget = createRetryBudget();
    const leaves = Array.from({ length: 25 }, () => budget.enter());
    expect(retryLimitOf(budget)).toBe(5);
    for (const leave of leaves.slice(0, 5)) {
      leave();
      leave();
    }
    expect(retryLimitOf(budget)).toBe(4);
  });
});

/** How many more retries the budget would grant now; they are released straight away. */
function retryLimitOf(budget: ReturnType<typeof createRetryBudget>): number {
  const granted: (() => void)[] = [];
  for (let release = budget.tryRetry(); release; release = budget.tryRetry()) granted.push(release);
  for (const release of granted) release();
  return granted.length;
}
