import { report } from './api';
import { chartCard, type ChartCard } from './charts';
import { byId, fillTable } from './dom';
import { formatCount, formatPercent, formatUsd } from './format';
import { bucketStarts, chooseBucket, fieldSeries, splitSeries, type Columns } from './time-series';

const noTraffic =
  'No requests in this range yet. Send one through /v1 with an API key (the Keys section makes one) and it shows here within a few seconds.';

const ms = (v: number) => `${Math.round(v)} ms`;
const count = (v: number) => formatCount(Math.round(v * 100) / 100);

function merge(...parts: Columns[]): Columns {
  return { x: parts[0]?.x ?? [], series: parts.flatMap((p) => p.series) };
}

/** Every chart and table fed by the reports (worker/reports/), for one time range. */
export function createReportsSection() {
  const card = (id: string, title: string, unit: (v: number) => string, yMax?: number): ChartCard =>
    chartCard(byId(id), { title, unit, yMin: 0, ...(yMax === undefined ? {} : { yMax }) });
  const charts = {
    requests: card('chart-requests', 'Requests and errors', count),
    errors: card('chart-errors', 'Errors by class', count),
    tokens: card('chart-tokens', 'Tokens', count),
    cache: card('chart-cache', 'Cache hit rate (hits ÷ lookups)', (v) => formatPercent(v), 1),
    latency: card('chart-latency', 'Latency p50 / p95 by model', ms),
    ttft: card('chart-ttft', 'Time to first token p50 / p95 by model', ms),
    tiers: card('chart-tiers', 'Routed tier split (requests)', count),
    money: card('chart-money', 'API-equivalent cost vs pool cost per bucket', formatUsd),
  };

  return async function refresh(rangeMs: number, nowMs: number): Promise<void> {
    const bucket = chooseBucket(rangeMs);
    const toMs = Math.ceil(nowMs / bucket.ms) * bucket.ms;
    const fromMs = toMs - Math.ceil(rangeMs / bucket.ms) * bucket.ms;
    const starts = bucketStarts(fromMs, toMs, bucket.ms);
    const get = (name: string) => report(name, bucket.name, fromMs, toMs);
    const monthRange = (name: string) => report(name, 'model', fromMs, toMs);
    const [traffic, latency, tiers, spend, cost, quality] = await Promise.all([
      get('traffic'),
      get('latency'),
      get('tiers'),
      get('spend'),
      monthRange('cost'),
      monthRange('quality'),
    ]);
    byId('range-note').textContent =
      `${new Date(fromMs).toISOString().slice(0, 16)} to ${new Date(toMs).toISOString().slice(0, 16)} UTC, per ${bucket.name}`;

    const t = traffic.rows;
    charts.requests.update(
      fieldSeries(t, starts, [
        { key: 'requests', label: 'requests', empty: 0 },
        { key: 'errors', label: 'errors', empty: 0 },
      ]),
      noTraffic,
    );
    charts.errors.update(
      fieldSeries(t, starts, [
        { key: 'client_errors', label: 'client (4xx)', empty: 0 },
        { key: 'auth_errors', label: 'auth', empty: 0 },
        { key: 'rate_limited', label: 'rate-limited', empty: 0 },
        { key: 'upstream_errors', label: 'upstream', empty: 0 },
        { key: 'cancelled', label: 'cancelled', empty: 0 },
      ]),
      t.length === 0 ? noTraffic : 'No errors in this range.',
    );
    charts.tokens.update(
      fieldSeries(t, starts, [
        { key: 'prompt_tokens', label: 'prompt', empty: 0 },
        { key: 'completion_tokens', label: 'completion', empty: 0 },
      ]),
      noTraffic,
    );
    charts.cache.update(
      fieldSeries(t, starts, [{ key: 'cache_hit_rate', label: 'hit rate', empty: null }]),
      'No cache lookups yet: only requests the cache may answer (temperature 0 or a seed) count.',
    );
    const l = latency.rows;
    charts.latency.update(
      merge(
        splitSeries(l, starts, 'model', 'p50_latency_ms', null, ' p50'),
        splitSeries(l, starts, 'model', 'p95_latency_ms', null, ' p95'),
      ),
      noTraffic,
    );
    charts.ttft.update(
      merge(
        splitSeries(l, starts, 'model', 'p50_ttft_ms', null, ' p50'),
        splitSeries(l, starts, 'model', 'p95_ttft_ms', null, ' p95'),
      ),
      'No time to first token yet: it is measured on streamed answers (stream: true).',
    );
    charts.tiers.update(
      splitSeries(tiers.rows, starts, 'tier', 'requests', 0),
      'No requests yet. Requests for a routed model name show the tier the router picked.',
    );

    const pool = spend.rows.map((r) => Number(r.pool_cost_usd)).find((v) => v > 0) ?? 0;
    const money = fieldSeries(spend.rows, starts, [
      { key: 'api_cost_usd', label: 'API-equivalent cost', empty: 0 },
    ]);
    money.series.push({ label: 'pool cost (break-even line)', values: starts.map(() => pool) });
    charts.money.update(
      money,
      'No served tokens in this range yet. Prices come from model_prices and the pool from pools (see README, Reports).',
    );

    fillTable(
      byId<HTMLTableSectionElement>('cost-rows'),
      cost.rows.map((r) => [
        String(r.group),
        formatCount(r.requests),
        formatUsd(r.api_cost_usd),
        formatUsd(r.pool_cost_usd),
        r.break_even_million_tokens_per_month === null
          ? '—'
          : `${formatCount(r.break_even_million_tokens_per_month)} M tokens`,
        typeof r.dedicated_cheaper === 'string' ? r.dedicated_cheaper : '—',
      ]),
      'No usage in this range yet. Add list prices to model_prices and the pool to pools to compare.',
    );
    fillTable(
      byId<HTMLTableSectionElement>('quality-rows'),
      quality.rows.map((r) => [
        String(r.group),
        formatCount(r.feedback),
        formatCount(r.positive),
        formatCount(r.negative),
        formatCount(r.hallucinations),
        formatPercent(Number(r.hallucination_rate), 1),
      ]),
      'No feedback yet. Clients send it with POST /v1/feedback {"request_id", "rating", "label"}.',
    );
  };
}
