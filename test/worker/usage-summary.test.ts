import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { usageSummarySql, type UsageSummaryRow } from '../../worker/reports/usage-summary';

// The report's SQL runs here on the same D1 engine that `wrangler d1 execute` uses.
const base = 2_000_000_000_000;

beforeAll(async () => {
  const insert = env.DB.prepare(
    `INSERT INTO usage_events (request_id, created_at_ms, key_id, endpoint, served_model, requested_model, status,
       http_status, prompt_tokens, completion_tokens, latency_ms)
     VALUES (?, ?, ?, 'chat/completions', ?, ?, ?, ?, ?, ?, ?)`,
  );
  const rows = [];
  // Model a: latencies 10, 20, …, 200 ms; every fifth request failed.
  for (let i = 1; i <= 20; i++) {
    const failed = i % 5 === 0;
    rows.push(
      insert.bind(
        `sum-a-${i}`,
        base + i,
        'key-a',
        'a',
        'a',
        failed ? 'upstream_error' : 'ok',
        failed ? 502 : 200,
        10,
        5,
        i * 10,
      ),
    );
  }
  // A request that never reached a model, and one outside the time range.
  rows.push(insert.bind('sum-none', base, null, null, null, 'auth_error', 401, 0, 0, 1));
  rows.push(insert.bind('sum-late', base + 10_000, 'key-a', 'a', 'a', 'ok', 200, 999, 999, 1));
  await env.DB.batch(rows);
});

describe('usageSummarySql', () => {
  it('counts requests, tokens, errors and nearest-rank p50/p95 latency per model', async () => {
    const { results } = await env.DB.prepare(
      usageSummarySql('model', { fromMs: base, toMs: base + 1_000 }),
    ).all<UsageSummaryRow>();
    expect(results).toEqual([
      {
        group: 'a',
        requests: 20,
        prompt_tokens: 200,
        completion_tokens: 100,
        errors: 4,
        p50_latency_ms: 100,
        p95_latency_ms: 190,
      },
      {
        group: '(none)',
        requests: 1,
        prompt_tokens: 0,
        completion_tokens: 0,
        errors: 1,
        p50_latency_ms: 1,
        p95_latency_ms: 1,
      },
    ]);
  });

  it('groups by key, with requests that had no key apart', async () => {
    const { results } = await env.DB.prepare(
      usageSummarySql('key', { fromMs: base, toMs: base + 1_000 }),
    ).all<UsageSummaryRow>();
    expect(results.map((r) => [r.group, r.requests])).toEqual([
      ['key-a', 20],
      ['(no key)', 1],
    ]);
  });

  it('refuses a non-integer time bound instead of building SQL from it', () => {
    expect(() => usageSummarySql('model', { fromMs: Number.NaN, toMs: 1 })).toThrow();
  });
});
