import { runJsonLoad, runStreamLoad, type LoadResult } from './load';
import type { Target, TargetName } from './lab';
import { fmt, rotate, type BenchContext, type BenchOutcome, type Benchmark } from './context';
import { median, ratio, round, summarize, type Summary } from './stats';

/**
 * Item 1 of issue 8: what each gateway adds on top of a zero-latency upstream. All four sides
 * (direct, the edge through wrangler dev, the edge through the Miniflare API, Portkey) run in the
 * same run, in rotated order each round, for every scenario. Non-stream scenarios add a fifth:
 * the Miniflare edge answering a path no route serves (404 before auth or any binding), the
 * local runtime's own latency and throughput ceiling, so the gateway's work can be told apart
 * from what any Worker pays here.
 */

interface Scenario {
  label: string;
  stream: boolean;
  concurrency: number;
}

const scenarios: Scenario[] = [
  { label: 'non-stream c=1', stream: false, concurrency: 1 },
  { label: 'non-stream c=32', stream: false, concurrency: 32 },
  { label: 'stream TTFT c=1', stream: true, concurrency: 1 },
  { label: 'stream TTFT c=32', stream: true, concurrency: 32 },
];

interface SideResult extends Summary {
  target: TargetName;
  requestsPerSecond: number;
  errors: number;
  addedMedianMs: number | null;
  addedP99Ms: number | null;
}

interface ScenarioResult extends Scenario {
  sides: SideResult[];
  /** Switchyard (Miniflare API, the production-like path) over Portkey. */
  addedMedianVsPortkey: number | null;
  addedP99VsPortkey: number | null;
  throughputVsPortkey: number | null;
  wranglerDevAddedMedianVsPortkey: number | null;
  wranglerDevThroughputVsPortkey: number | null;
}

/** The Miniflare edge's unknown path, `/bench/floor`: a 404 with no I/O. */
function runtimeFloor(miniflare: Target): Target {
  return {
    name: 'miniflare-404',
    endpoint: (kind) => {
      const endpoint = miniflare.endpoint(kind);
      return { ...endpoint, url: new URL('/bench/floor', endpoint.url).href };
    },
  };
}

async function load(target: Target, scenario: Scenario, durationMs: number): Promise<LoadResult> {
  const endpoint = target.endpoint('zero');
  const spec = {
    // The floor is a GET: a 404 that leaves a POST body unread costs the runtime a reconnect.
    ...(target.name === 'miniflare-404' && { method: 'GET' as const, expectStatus: 404 }),
    url: endpoint.url,
    headers: endpoint.headers,
    body: JSON.stringify({
      model: endpoint.model,
      messages: [{ role: 'user', content: 'Say hello.' }],
      max_tokens: 16,
      stream: scenario.stream,
    }),
    concurrency: scenario.concurrency,
    durationMs,
    maxRequests: 100_000,
  };
  return scenario.stream ? runStreamLoad(spec) : runJsonLoad(spec);
}

async function runScenario(
  context: BenchContext,
  targets: Target[],
  scenario: Scenario,
): Promise<ScenarioResult> {
  const rounds = context.smoke ? 1 : 5;
  const durationMs = context.smoke ? 100 : 2000;
  const samples = new Map<TargetName, { latencies: number[]; rps: number[]; errors: number }>(
    targets.map((t) => [t.name, { latencies: [], rps: [], errors: 0 }]),
  );
  for (const target of targets) await load(target, scenario, context.smoke ? 50 : 500); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const target of rotate(targets, r)) {
      const result = await load(target, scenario, durationMs);
      const side = samples.get(target.name)!;
      side.latencies.push(...result.latenciesMs);
      side.rps.push(result.requestsPerSecond);
      side.errors += result.errors;
      context.progress(
        `overhead ${scenario.label} round ${r + 1}/${rounds} ${target.name}: ` +
          `${fmt(result.requestsPerSecond, 0)} req/s, median ${fmt(median(result.latenciesMs))} ms` +
          (result.errors > 0 ? `, ${result.errors} errors` : ''),
      );
    }
  }
  const direct = summarize(samples.get('direct')!.latencies);
  const sides = targets.map((t): SideResult => {
    const s = samples.get(t.name)!;
    const summary = summarize(s.latencies);
    return {
      target: t.name,
      ...summary,
      requestsPerSecond: round(median(s.rps), 0),
      errors: s.errors,
      addedMedianMs: t.name === 'direct' ? null : round(summary.medianMs - direct.medianMs),
      addedP99Ms: t.name === 'direct' ? null : round(summary.p99Ms - direct.p99Ms),
    };
  });
  const side = (name: TargetName) => sides.find((s) => s.target === name)!;
  const [mf, wd, pk] = [side('miniflare'), side('wrangler-dev'), side('portkey')];
  return {
    ...scenario,
    sides,
    addedMedianVsPortkey: ratio(mf.addedMedianMs ?? NaN, pk.addedMedianMs ?? NaN),
    addedP99VsPortkey: ratio(mf.addedP99Ms ?? NaN, pk.addedP99Ms ?? NaN),
    throughputVsPortkey: ratio(mf.requestsPerSecond, pk.requestsPerSecond),
    wranglerDevAddedMedianVsPortkey: ratio(wd.addedMedianMs ?? NaN, pk.addedMedianMs ?? NaN),
    wranglerDevThroughputVsPortkey: ratio(wd.requestsPerSecond, pk.requestsPerSecond),
  };
}

function markdown(results: ScenarioResult[]): string {
  const lines = [
    '| scenario | side | median ms | p99 ms | added median ms | added p99 ms | req/s | errors |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of results) {
    for (const side of s.sides) {
      lines.push(
        `| ${s.label} | ${side.target} | ${fmt(side.medianMs)} | ${fmt(side.p99Ms)} | ` +
          `${fmt(side.addedMedianMs)} | ${fmt(side.addedP99Ms)} | ${fmt(side.requestsPerSecond, 0)} | ${side.errors} |`,
      );
    }
  }
  lines.push(
    '',
    '| scenario | added median, Switchyard ÷ Portkey (goal ≤ 0.5) | added p99 ratio | req/s, Switchyard ÷ Portkey (goal ≥ 2 at c=32) | same via wrangler dev: added median ratio / req/s ratio |',
    '|---|---:|---:|---:|---:|',
  );
  for (const s of results) {
    lines.push(
      `| ${s.label} | ${fmt(s.addedMedianVsPortkey)} | ${fmt(s.addedP99VsPortkey)} | ` +
        `${fmt(s.throughputVsPortkey)} | ${fmt(s.wranglerDevAddedMedianVsPortkey)} / ${fmt(s.wranglerDevThroughputVsPortkey)} |`,
    );
  }
  lines.push(
    '',
    'Switchyard = the built bundle in workerd through the Miniflare API (no dev proxy), the path ' +
      'closer to production; “wrangler dev” adds its proxy worker in front. miniflare-404 = the same ' +
      'edge answering `/bench/floor`, a path no route serves (404 before auth, body or any binding): ' +
      'what any Worker pays in this local runtime, and the most requests/s it serves.',
  );
  for (const s of results.filter((r) => !r.stream)) {
    const floor = s.sides.find((side) => side.target === 'miniflare-404');
    const portkey = s.sides.find((side) => side.target === 'portkey');
    if (floor === undefined || portkey === undefined) continue;
    const throughput =
      s.concurrency > 1
        ? `; it serves ${fmt(floor.requestsPerSecond, 0)} req/s, where the goal asks ` +
          `${fmt(2 * portkey.requestsPerSecond, 0)} req/s of real requests`
        : '';
    lines.push(
      '',
      `${s.label}: the runtime's own 404 adds ${fmt(floor.addedMedianMs)} ms at the median, where ` +
        `the goal allows Switchyard ${fmt(portkey.addedMedianMs === null ? null : portkey.addedMedianMs / 2)} ms in all${throughput}.`,
    );
  }
  return lines.join('\n');
}

export const overhead: Benchmark = {
  name: 'overhead',
  async run(context): Promise<BenchOutcome> {
    const targets = await context.lab.targets();
    const floor = runtimeFloor(targets.find((t) => t.name === 'miniflare')!);
    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      // A 404 has no stream: the floor is measured for the non-stream scenarios only.
      const sides = scenario.stream ? targets : [...targets, floor];
      results.push(await runScenario(context, sides, scenario));
    }
    return { results: { scenarios: results }, markdown: markdown(results) };
  },
};
