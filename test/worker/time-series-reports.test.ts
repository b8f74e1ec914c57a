import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { reportRequest } from '../../worker/reports/report-catalog';

// The dashboard's time series, run on the same D1 engine that `wrangler d1 execute` uses.
const hourMs = 3_600_000;
const base = 583_400 * hourMs; // a whole hour, far from the other report tests' rows
const twoHours = { fromMs: base, toMs: base + 2 * hourMs };

async function run(name: string, by: string, range = twoHours) {
  const request = reportRequest(name, by, range);
  if (!request.ok) throw new Error(request.message);
  return (await env.DB.prepare(request.sql).all<Record<string, unknown>>()).results;
}

interface Row {
  at: number;
  model: string;
  status?: string;
  cache?: string;
  tier?: string | null;
  latencyMs?: number;
  ttftMs?: number | null;
  rateLimited?: string | null;
  served?: boolean;
}

beforeAll(async () => {
  const insert = env.DB.prepare(
    `INSERT INTO usage_events (request_id, created_at_ms, endpoint, served_model, requested_model, status,
       http_status, prompt_tokens, completion_tokens, latency_ms, ttft_ms, cache_status, route_tier, rate_limited)
     VALUES (?, ?, 'chat/completions', ?, ?, ?, 200, 1000, 500, ?, ?, ?, ?, ?)`,
  );
  const rows: Row[] = [
    // First hour: 4 requests of m-ts-a (1 hit, 2 misses, 1 bypass), one upstream error, one routed.
    { at: 10, model: 'm-ts-a', cache: 'hit-exact', latencyMs: 5, ttftMs: null },
    { at: 20, model: 'm-ts-a', cache: 'miss', latencyMs: 100, ttftMs: 10, tier: 'small' },
    { at: 30, model: 'm-ts-a', cache: 'miss', latencyMs: 200, ttftMs: 20 },
    { at: 40, model: 'm-ts-a', status: 'upstream_error', latencyMs: 300, ttftMs: 30 },
    // An unknown model: no model served it, so it has no latency of a model and no price.
    { at: 50, model: 'm-ts-missing', served: false, status: 'client_error', latencyMs: 2 },
    // Second hour: one m-ts-b request, rate-limited, and one large-tier request.
    {
      at: hourMs + 5,
      model: 'm-ts-b',
      status: 'client_error',
      rateLimited: 'requests',
      latencyMs: 1,
    },
    { at: hourMs + 6, model: 'm-ts-b', latencyMs: 400, ttftMs: 40, tier: 'large' },
    // Outside the range: never counted.
    { at: 2 * hourMs, model: 'm-ts-a', latencyMs: 999 },
  ];
  await env.DB.batch([
    ...rows.map((r, i) =>
      insert.bind(
        `ts-${i}`,
        base + r.at,
        r.served === false ? null : r.model,
        r.model,
        r.status ?? 'ok',
        r.latencyMs ?? 50,
        r.ttftMs ?? null,
        r.cache ?? 'bypass',
        r.tier ?? null,
        r.rateLimited ?? null,
      ),
    ),
    env.DB.prepare('INSERT INTO model_prices VALUES (?, ?, ?, 0)').bind('m-ts-a', 1, 2),
  ]);
});

describe('time-series reports', () => {
  it('traffic: requests, tokens, hit rate over lookups and errors by class per bucket', async () => {
    const rows = await run('traffic', 'hour');
    expect(rows).toEqual([
      expect.objectContaining({
        group: new Date(base).toISOString().replace('.000', ''),
        bucket_ms: base,
        requests: 5,
        prompt_tokens: 5000,
        completion_tokens: 2500,
        cache_hits: 1,
        cache_misses: 2,
        cache_hit_rate: 0.3333,
        errors: 2,
        client_errors: 1,
        upstream_errors: 1,
        rate_limited: 0,
      }),
      expect.objectContaining({
        bucket_ms: base + hourMs,
        requests: 2,
        cache_hit_rate: null,
        errors: 1,
        rate_limited: 1,
        client_errors: 0,
      }),
    ]);
  });

  it('latency: nearest-rank p50/p95 of latency and TTFT per bucket and served model', async () => {
    const rows = await run('latency', 'hour');
    expect(rows).toEqual([
      expect.objectContaining({
        bucket_ms: base,
        model: 'm-ts-a',
        requests: 4,
        p50_latency_ms: 100,
        p95_latency_ms: 300,
        p50_ttft_ms: 20,
        p95_ttft_ms: 30,
      }),
      expect.objectContaining({
        bucket_ms: base + hourMs,
        model: 'm-ts-b',
        requests: 2,
        p50_latency_ms: 1,
        p95_latency_ms: 400,
        p50_ttft_ms: 40,
      }),
    ]);
  });

  it('tiers: requests per routed tier, with concrete-model requests as not routed', async () => {
    const rows = await run('tiers', 'hour');
    expect(rows.map((r) => [r.bucket_ms, r.tier, r.requests])).toEqual([
      [base, '(not routed)', 4],
      [base, 'small', 1],
      [base + hourMs, '(not routed)', 1],
      [base + hourMs, 'large', 1],
    ]);
  });

  it('spend: API list price of the tokens against the whole pool’s cost per bucket', async () => {
    const pool = await env.DB.prepare(
      'SELECT COALESCE(SUM(gpu_count * gpu_hourly_usd), 0) AS hourly FROM pools',
    ).first<{ hourly: number }>();
    const rows = await run('spend', 'hour');
    // 4 × (1000 × $1 + 500 × $2) per million = $0.008; m-ts-b has no price.
    expect(rows).toEqual([
      expect.objectContaining({ bucket_ms: base, api_cost_usd: 0.008, unpriced_requests: 0 }),
      expect.objectContaining({
        bucket_ms: base + hourMs,
        api_cost_usd: null,
        unpriced_requests: 2,
      }),
    ]);
    for (const row of rows) expect(row.pool_cost_usd).toBeCloseTo(pool!.hourly, 6);
    const quarter = await run('spend', '15min');
    expect(quarter[0]?.pool_cost_usd).toBeCloseTo(pool!.hourly / 4, 6);
  });

  it('refuses a bucket too small for the range instead of returning thousands of rows', () => {
    const month = { fromMs: base, toMs: base + 30 * 24 * hourMs };
    expect(reportRequest('traffic', 'minute', month)).toEqual({
      ok: false,
      message: expect.stringMatching(/43200 minute buckets is more than 2000/),
    });
    expect(reportRequest('traffic', 'hour', month).ok).toBe(true);
    expect(reportRequest('traffic', 'fortnight', month)).toMatchObject({ ok: false });
  });
});
