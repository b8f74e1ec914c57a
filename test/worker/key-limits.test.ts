import { describe, expect, it } from 'vitest';
import {
  admit,
  emptyState,
  lapsedTtlMs,
  leaseTtlMs,
  settle,
  type KeyPolicy,
  type LimiterState,
} from '../../worker/limits/key-limits';

const t0 = Date.UTC(2026, 11, 3, 12, 0, 0);
const open: KeyPolicy = {
  requestsPerMinute: null,
  tokensPerMinute: null,
  monthlyBudgetUsd: null,
  maxConcurrency: null,
};
let lease = 0;

function run(state: LimiterState, policy: KeyPolicy, reserveTokens = 0, nowMs = t0) {
  return admit(state, policy, { leaseId: `l${lease++}`, reserveTokens, nowMs });
}

describe('admit', () => {
  it('admits exactly the requests-per-minute limit, then says when to retry', () => {
    const policy = { ...open, requestsPerMinute: 10 };
    let state = emptyState(t0);
    const results = [];
    for (let i = 0; i < 12; i++) {
      const step = run(state, policy);
      state = step.state;
      results.push(step.admission);
    }
    expect(results.filter((a) => a.ok)).toHaveLength(10);
    expect(results[10]).toMatchObject({ ok: false, reason: 'requests', retryAfterMs: 6_000 });
    // Remaining requests fall one by one, never rise between admissions at the same instant.
    expect(results.slice(0, 10).map((a) => a.headers.remainingRequests)).toEqual([
      9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
    ]);
  });

  it('refills the request bucket linearly over the minute', () => {
    const policy = { ...open, requestsPerMinute: 60 };
    let state = emptyState(t0);
    for (let i = 0; i < 60; i++) state = run(state, policy).state;
    expect(run(state, policy, 0, t0 + 500).admission.ok).toBe(false);
    expect(run(state, policy, 0, t0 + 1_000).admission.ok).toBe(true);
  });

  it('reserves tokens and spends no request slot when the token check fails', () => {
    const policy = { ...open, requestsPerMinute: 5, tokensPerMinute: 1_000 };
    const first = run(emptyState(t0), policy, 800);
    expect(first.admission).toMatchObject({
      ok: true,
      headers: { remainingTokens: 200, remainingRequests: 4 },
    });
    const second = run(first.state, policy, 300);
    expect(second.admission).toMatchObject({ ok: false, reason: 'tokens', retryAfterMs: 6_000 });
    expect(second.state.requests?.level).toBe(4);
  });

  it.each([
    ['a revoked key', { ...emptyState(t0), revoked: true }, open, 'revoked'],
    [
      'a spent budget',
      { ...emptyState(t0), spentUsd: 5 },
      { ...open, monthlyBudgetUsd: 5 },
      'budget',
    ],
    [
      'full concurrency',
      { ...emptyState(t0), leases: { a: { reservedTokens: 0, expiresAtMs: t0 + 1 } } },
      { ...open, maxConcurrency: 1 },
      'concurrency',
    ],
    [
      'a reservation bigger than the whole token limit',
      emptyState(t0),
      { ...open, tokensPerMinute: 10 },
      'too_large',
    ],
  ] as const)('rejects %s', (_name, state, policy, reason) => {
    expect(run(state, policy, 50).admission).toMatchObject({ ok: false, reason });
  });

  it('resets the monthly spend when the UTC month turns', () => {
    const policy = { ...open, monthlyBudgetUsd: 1 };
    const spent = { ...emptyState(t0), spentUsd: 2 };
    expect(run(spent, policy).admission).toMatchObject({ ok: false, reason: 'budget' });
    expect(run(spent, policy, 0, Date.UTC(2027, 0, 1)).admission.ok).toBe(true);
  });

  it('frees a concurrency slot whose settle never came after the lease expires', () => {
    const policy = { ...open, maxConcurrency: 1 };
    const held = run(emptyState(t0), policy).state;
    expect(run(held, policy, 0, t0 + 1_000).admission.ok).toBe(false);
    expect(run(held, policy, 0, t0 + leaseTtlMs + 1).admission.ok).toBe(true);
  });
});

describe('settle', () => {
  const policy = { ...open, tokensPerMinute: 1_000, maxConcurrency: 2 };

  it('gives back unused reserved tokens, charges overruns and spends the cost', () => {
    const admitted = admit(emptyState(t0), policy, { leaseId: 'a', reserveTokens: 500, nowMs: t0 });
    const under = settle(admitted.state, policy, {
      leaseId: 'a',
      usedTokens: 100,
      costUsd: 0.25,
      nowMs: t0,
    });
    expect(under).toMatchObject({ tokens: { level: 900 }, spentUsd: 0.25, leases: {} });
    const over = settle(admitted.state, policy, {
      leaseId: 'a',
      usedTokens: 700,
      costUsd: 0,
      nowMs: t0,
    });
    expect(over.tokens?.level).toBe(300);
  });

  it('is idempotent: a second settle of the same lease changes nothing', () => {
    const admitted = admit(emptyState(t0), policy, { leaseId: 'a', reserveTokens: 500, nowMs: t0 });
    const once = settle(admitted.state, policy, {
      leaseId: 'a',
      usedTokens: 100,
      costUsd: 1,
      nowMs: t0,
    });
    expect(settle(once, policy, { leaseId: 'a', usedTokens: 100, costUsd: 1, nowMs: t0 })).toEqual(
      once,
    );
  });
});

describe('settle after the lease lapsed', () => {
  const policy = { ...open, tokensPerMinute: 1_000, monthlyBudgetUsd: 100 };

  it('still charges a stream that outlived its lease, once', () => {
    const admitted = admit(emptyState(t0), policy, {
      leaseId: 'long',
      reserveTokens: 100,
      nowMs: t0,
    });
    const late = t0 + leaseTtlMs + 60_000;
    const settled = settle(admitted.state, policy, {
      leaseId: 'long',
      usedTokens: 100,
      costUsd: 5,
      nowMs: late,
    });
    expect(settled.spentUsd).toBe(5);
    expect(
      settle(settled, policy, { leaseId: 'long', usedTokens: 100, costUsd: 5, nowMs: late })
        .spentUsd,
    ).toBe(5);
  });

  it('forgets a lapsed lease after a day', () => {
    const admitted = admit(emptyState(t0), policy, {
      leaseId: 'gone',
      reserveTokens: 100,
      nowMs: t0,
    });
    const muchLater = t0 + leaseTtlMs + lapsedTtlMs + 1;
    expect(
      settle(admitted.state, policy, {
        leaseId: 'gone',
        usedTokens: 1,
        costUsd: 5,
        nowMs: muchLater,
      }).spentUsd,
    ).toBe(0);
  });
});
