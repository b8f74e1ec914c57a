import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { reportRequest } from '../../worker/reports/report-catalog';

// Each report's SQL runs here on the same D1 engine that `wrangler d1 execute` uses.
const base = 2_000_000_000_000;
const tenHours = { fromMs: base, toMs: base + 10 * 3_600_000 };

async function run(name: string, by?: string, range = tenHours) {
  const request = reportRequest(name, by, range);
  if (!request.ok) throw new Error(request.message);
  return (await env.DB.prepare(request.sql).all<Record<string, unknown>>()).results;
}

beforeAll(async () => {
  const event = env.DB.prepare(
    `INSERT INTO usage_events (request_id, created_at_ms, key_id, tenant_id, tag, endpoint, served_model, requested_model,
       status, http_status, prompt_tokens, completion_tokens, latency_ms, ttft_ms, cache_status, rate_limited, cost_usd)
     VALUES (?, ?, ?, ?, ?, 'chat/completions', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const rows = [];
  // Model a: latencies 10..200 ms, TTFT 1..20 ms on the first 20; every fifth request failed upstream.
  for (let i = 1; i <= 20; i++) {
    const failed = i % 5 === 0;
    rows.push(
      event.bind(
        `r-a-${i}`,
        base + i,
        'key-a',
        'tenant-1',
        i <= 10 ? 'search' : null,
        'a',
        'a',
        failed ? 'upstream_error' : 'ok',
        failed ? 502 : 200,
        10,
        5,
        i * 10,
        i,
        'miss',
        null,
        0.001,
      ),
    );
  }
  rows.push(
    event.bind(
      'r-hit',
      base + 30,
      'key-a',
      'tenant-1',
      'search',
      'a',
      'a',
      'ok',
      200,
      10,
      5,
      2,
      null,
      'hit-exact',
      null,
      0,
    ),
  );
  rows.push(
    event.bind(
      'r-429',
      base + 31,
      'key-a',
      'tenant-1',
      null,
      'a',
      'a',
      'client_error',
      429,
      0,
      0,
      1,
      null,
      'bypass',
      'requests',
      0,
    ),
  );
  rows.push(
    event.bind(
      'r-auth',
      base + 32,
      null,
      null,
      null,
      null,
      null,
      'auth_error',
      401,
      0,
      0,
      1,
      null,
      'bypass',
      null,
      0,
    ),
  );
  rows.push(
    event.bind(
      'r-late',
      tenHours.toMs,
      'key-a',
      'tenant-1',
      null,
      'a',
      'a',
      'ok',
      200,
      999,
      999,
      1,
      null,
      'miss',
      null,
      0,
    ),
  );
  // Cost fixture, worked out by hand in the test below.
  rows.push(
    event.bind(
      'c-8b-1',
      base + 40,
      'key-b',
      'tenant-2',
      null,
      'llama-8b',
      'llama-8b',
      'ok',
      200,
      1_000_000,
      400_000,
      5,
      null,
      'miss',
      null,
      0,
    ),
  );
  rows.push(
    event.bind(
      'c-8b-2',
      base + 41,
      'key-b',
      'tenant-2',
      null,
      'llama-8b',
      'llama-8b',
      'ok',
      200,
      500_000,
      300_000,
      5,
      null,
      'miss',
      null,
      0,
    ),
  );
  rows.push(
    event.bind(
      'c-8b-3',
      base + 42,
      'key-b',
      'tenant-2',
      null,
      'llama-8b',
      'llama-8b',
      'ok',
      200,
      500_000,
      300_000,
      5,
      null,
      'miss',
      null,
      0,
    ),
  );
  rows.push(
    event.bind(
      'c-70b',
      base + 43,
      'key-b',
      'tenant-2',
      null,
      'llama-70b',
      'llama-70b',
      'ok',
      200,
      40_000_000,
      10_000_000,
      5,
      null,
      'miss',
      null,
      0,
    ),
  );
  const price = env.DB.prepare('INSERT INTO model_prices VALUES (?, ?, ?, 0)');
  rows.push(price.bind('llama-8b', 0.2, 0.6), price.bind('llama-70b', 0.9, 0.9));
  const pool = env.DB.prepare('INSERT INTO pools VALUES (?, ?, ?, ?, 0)');
  rows.push(pool.bind('pool-8b', 'llama-8b', 1, 2.5), pool.bind('pool-70b', 'llama-70b', 2, 2));
  const feedback = env.DB.prepare('INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?, NULL, ?)');
  rows.push(
    feedback.bind('f1', 'c-8b-1', 'tenant-2', 'key-b', 1, null, base + 50),
    feedback.bind('f2', 'c-8b-2', 'tenant-2', 'key-b', -1, 'hallucination', base + 51),
    feedback.bind('f3', 'c-8b-3', 'tenant-2', 'key-b', -1, 'hallucination', base + 52),
    feedback.bind('f4', 'c-8b-3', 'tenant-2', 'key-b', 0, null, base + 53),
    feedback.bind('f5', 'c-70b', 'tenant-2', 'key-b', 1, null, base + 54),
  );
  await env.DB.batch(rows);
  // A hit generated nothing: its row has zero tokens and the stored answer's total as saved (K6).
  await env.DB.prepare(
    `UPDATE usage_events SET prompt_tokens = 0, completion_tokens = 0, tokens_saved = 15
     WHERE request_id = 'r-hit'`,
  ).run();
});

describe('the cache report', () => {
  it('counts cacheable requests, hits by kind, both hit rates and the tokens saved', async () => {
    const [a] = (await run('cache', 'model')).filter((r) => r.group === 'a');
    expect(a).toEqual({
      group: 'a',
      requests: 22,
      cacheable: 21,
      hits_exact: 1,
      hits_semantic: 0,
      misses: 20,
      bypassed: 1,
      hit_rate_cacheable: 0.0476,
      hit_rate_all: 0.0455,
      tokens_saved: 15,
    });
  });
});

describe('the usage report', () => {
  it('counts requests, tokens, cache hits, errors by class, cost and nearest-rank percentiles per model', async () => {
    const [a] = (await run('usage', 'model')).filter((r) => r.group === 'a');
    expect(a).toEqual({
      group: 'a',
      requests: 22,
      prompt_tokens: 200,
      completion_tokens: 100,
      cache_hits: 1,
      // One hit among 21 requests that could use the cache (the 22nd bypassed it).
      cache_hit_rate: 0.0476,
      tokens_saved: 15,
      errors: 5,
      client_errors: 0,
      auth_errors: 0,
      rate_limited: 1,
      upstream_errors: 4,
      cancelled: 0,
      cost_usd: 0.02,
      p50_latency_ms: 90,
      p95_latency_ms: 190,
      p50_ttft_ms: 10,
      p95_ttft_ms: 19,
    });
  });

  it.each([
    [
      'key',
      [
        ['key-b', 4],
        ['key-a', 22],
        ['(no key)', 1],
      ],
    ],
    [
      'tenant',
      [
        ['tenant-1', 22],
        ['tenant-2', 4],
        ['(no tenant)', 1],
      ],
    ],
    [
      'tag',
      [
        ['(untagged)', 16],
        ['search', 11],
      ],
    ],
  ] as const)('groups by %s', async (by, expected) => {
    const rows = await run('usage', by);
    expect(rows.map((r) => [r.group, r.requests]).sort()).toEqual(
      [...expected].map((e) => [...e]).sort(),
    );
  });

  it('groups by UTC day', async () => {
    expect((await run('usage', 'day')).map((r) => r.group)).toEqual(['2033-05-18']);
  });
});

describe('the cost report', () => {
  it('compares list price and pool cost to the cent, with the break-even volume', async () => {
    // llama-8b: 2M in × $0.20 + 1M out × $0.60 = $1.00 at list price; 1 GPU × $2.50 × 10 h = $25.00.
    //   Break-even: $2.50 × 730 h = $1,825 a month ÷ $0.3333 per 1M = 5,475M tokens a month.
    // llama-70b: 50M × $0.90 = $45.00; 2 GPUs × $2.00 × 10 h = $40.00 → the pool is cheaper.
    //   Break-even: $4 × 730 = $2,920 ÷ $0.90 per 1M = 3,244.44M tokens a month.
    expect(await run('cost')).toEqual([
      {
        group: 'llama-70b',
        requests: 1,
        prompt_tokens: 40_000_000,
        completion_tokens: 10_000_000,
        gpus: 2,
        api_cost_usd: 45,
        pool_cost_usd: 40,
        api_usd_per_million: 0.9,
        pool_usd_per_million: 0.8,
        tokens_per_hour: 5_000_000,
        break_even_million_tokens_per_month: 3244.44,
        dedicated_cheaper: 'yes',
      },
      {
        group: 'llama-8b',
        requests: 3,
        prompt_tokens: 2_000_000,
        completion_tokens: 1_000_000,
        gpus: 1,
        api_cost_usd: 1,
        pool_cost_usd: 25,
        api_usd_per_million: 0.3333,
        pool_usd_per_million: 8.3333,
        tokens_per_hour: 300_000,
        break_even_million_tokens_per_month: 5475,
        dedicated_cheaper: 'no',
      },
      expect.objectContaining({ group: 'a', api_cost_usd: null, dedicated_cheaper: null }),
    ]);
  });
});

describe('the quality report', () => {
  it('counts feedback by rating and the hallucination rate per model', async () => {
    expect(await run('quality')).toEqual([
      {
        group: 'llama-8b',
        feedback: 4,
        positive: 1,
        neutral: 1,
        negative: 2,
        hallucinations: 2,
        hallucination_rate: 0.5,
      },
      {
        group: 'llama-70b',
        feedback: 1,
        positive: 1,
        neutral: 0,
        negative: 0,
        hallucinations: 0,
        hallucination_rate: 0,
      },
    ]);
  });
});

describe('reportRequest', () => {
  it.each([
    ['nope', undefined, tenHours, /unknown report/],
    ['cost', 'key', tenHours, /groups by model/],
    ['usage', 'model', { fromMs: 2, toMs: 1 }, /from < to/],
    ['usage', 'model', { fromMs: Number.NaN, toMs: 1 }, /integer/],
  ])('refuses %s by %s over %j', (name, by, range, message) => {
    const request = reportRequest(name, by, range);
    expect(request.ok).toBe(false);
    if (!request.ok) expect(request.message).toMatch(message);
  });
});
