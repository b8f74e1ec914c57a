import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { reportRequest } from '../../worker/reports/report-catalog';
import { routingReportSql, topTierModels } from '../../worker/reports/routing-report';

// Routed usage rows in their own time window, so other report tests' rows never mix in.
const base = 2_100_000_000_000;
const range = { fromMs: base, toMs: base + 3_600_000 };

async function run(name: string, by?: string) {
  const request = reportRequest(name, by, range);
  if (!request.ok) throw new Error(request.message);
  return (await env.DB.prepare(request.sql).all<Record<string, unknown>>()).results;
}

beforeAll(async () => {
  const event = env.DB.prepare(
    `INSERT INTO usage_events (request_id, created_at_ms, endpoint, requested_model, served_model,
       route_tier, route_score, status, http_status, prompt_tokens, completion_tokens, latency_ms, cost_usd)
     VALUES (?, ?, 'chat/completions', ?, ?, ?, ?, 'ok', 200, ?, ?, 10, ?)`,
  );
  // Prices per million: small 1/1, large 10/10. Each row: 1,000 prompt + 1,000 completion tokens.
  const row = (id: string, requested: string, served: string, tier: string | null, cost: number) =>
    event.bind(id, base + 1, requested, served, tier, tier === null ? null : 0.5, 1000, 1000, cost);
  await env.DB.batch([
    env.DB.prepare('INSERT INTO model_prices VALUES (?, ?, ?, 0)').bind('sim-small', 1, 1),
    env.DB.prepare('INSERT INTO model_prices VALUES (?, ?, ?, 0)').bind('sim-large', 10, 10),
    row('rt-1', 'auto', 'sim-small', 'small', 0.002),
    row('rt-2', 'auto', 'sim-small', 'small', 0.002),
    row('rt-3', 'auto', 'sim-small', 'small:downgraded', 0.002),
    row('rt-4', 'auto', 'sim-large', 'large', 0.02),
    row('rt-5', 'sim-large', 'sim-large', null, 0.02),
    env.DB.prepare('INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?, NULL, ?)').bind(
      'fb-1',
      'rt-3',
      't',
      'k',
      -1,
      'hallucination',
      base + 2,
    ),
    env.DB.prepare('INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?, NULL, ?)').bind(
      'fb-2',
      'rt-4',
      't',
      'k',
      1,
      null,
      base + 2,
    ),
  ]);
});

describe('the routing report', () => {
  it('shows each tier’s share and what it saved against the top tier’s price', async () => {
    expect(await run('routing')).toEqual([
      {
        group: 'auto',
        tier: 'small',
        served_models: 'sim-small',
        requests: 2,
        share: 0.5,
        prompt_tokens: 2000,
        completion_tokens: 2000,
        cost_usd: 0.004,
        // 4,000 tokens at $10 per million on sim-large.
        top_tier_cost_usd: 0.04,
        saved_usd: 0.036,
      },
      {
        group: 'auto',
        tier: 'large',
        served_models: 'sim-large',
        requests: 1,
        share: 0.25,
        prompt_tokens: 1000,
        completion_tokens: 1000,
        cost_usd: 0.02,
        top_tier_cost_usd: 0.02,
        saved_usd: 0,
      },
      {
        group: 'auto',
        tier: 'small:downgraded',
        served_models: 'sim-small',
        requests: 1,
        share: 0.25,
        prompt_tokens: 1000,
        completion_tokens: 1000,
        cost_usd: 0.002,
        top_tier_cost_usd: 0.02,
        saved_usd: 0.018,
      },
    ]);
  });

  it('names its first column by the routed name, not by the tier it also shows', () => {
    // The CLI heads the `group` column with the grouping's name: `route`, then `tier`.
    expect(reportRequest('routing', undefined, range)).toMatchObject({ ok: true, by: 'route' });
    expect(reportRequest('routing', 'tier', range)).toMatchObject({ ok: false });
  });

  it('leaves the saving unknown (NULL) for a routed name whose top tier has no price', async () => {
    const sql = routingReportSql(range, new Map([['auto', 'unpriced-model']]));
    const rows = (await env.DB.prepare(sql).all<Record<string, unknown>>()).results;
    expect(rows.map((r) => r.saved_usd)).toEqual([null, null, null]);
  });

  it('refuses to splice a name that could end the SQL string', () => {
    expect(() => routingReportSql(range, new Map([["auto'; DROP TABLE x; --", 'm']]))).toThrow(
      /unsafe model name/,
    );
  });

  it('takes the top tier of each route from the catalogue', () => {
    expect(
      topTierModels([['auto', { tiers: [{ model: 'a' }, { model: 'b' }, { model: 'c' }] }]]),
    ).toEqual(new Map([['auto', 'c']]));
  });
});

describe('grouping by routed tier', () => {
  it('groups the usage report by tier, with unrouted requests as one group', async () => {
    const rows = await run('usage', 'tier');
    expect(rows.map((r) => [r.group, r.requests])).toEqual([
      ['small', 2],
      ['(not routed)', 1],
      ['large', 1],
      ['small:downgraded', 1],
    ]);
  });

  it('groups the quality report by tier', async () => {
    const rows = await run('quality', 'tier');
    expect(rows).toEqual([
      expect.objectContaining({ group: 'large', feedback: 1, positive: 1, hallucinations: 0 }),
      expect.objectContaining({
        group: 'small:downgraded',
        feedback: 1,
        negative: 1,
        hallucination_rate: 1,
      }),
    ]);
  });
});
