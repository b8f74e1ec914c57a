import { loadavg } from 'node:os';
import { createInFlightCounter } from '../../worker/core/in-flight-counter';
import { fmt, type BenchContext, type BenchOutcome, type Benchmark } from '../edge/context';
import { offsets } from '../edge/lab';
import { percentile, ratio, round } from '../edge/stats';
import { lruHitRatio, oracleHitTokens, promptBlocks } from './oracle';
import { createRouter, policyNames, type PolicyName } from './policies';
import { replay } from './replay';
import { blockSize, kvBlocks, replicaCount, scenarios, type Scenario } from './scenarios';
import { simModel, startSimPool, type SimPool } from './sim-pool';
import { generateWorkload } from './workload';
import { routingMarkdown } from './routing-report';

/**
 * Issue 4, "Benchmark": the edge's replica choice (prefix affinity with bounded load) against
 * round-robin and least-loaded, on four `vllm-sim` replicas with the 8B-on-H100 latency profile
 * and a finite prefix KV cache. Each policy replays the same seeded open-loop workload on freshly
 * started simulators, one policy after the other.
 */

/** worker/bindings.ts `HEARTBEAT_STALE_MS` default. */
const heartbeatStaleMs = 5_000;

export interface PolicyResult {
  policy: PolicyName;
  requests: number;
  errors: number;
  ttftP50Ms: number;
  ttftP99Ms: number;
  /** Prefix-cache hit tokens ÷ query tokens, summed over the replicas' counters (steady window). */
  hitRatio: number | null;
  oracleHitRatio: number;
  hitOverOracle: number | null;
  /** Affinity only: share of requests the load bound sent past their first-ranked replica. */
  spilledShare: number | null;
  servedPerReplica: number[];
  servedMaxOverMean: number | null;
  peakInFlightPerReplica: number[];
  peakInFlightMaxOverMean: number | null;
  peakWaitingPerReplica: number[];
  clientLagP99Ms: number;
  wallMs: number;
}

export interface ScenarioResult {
  name: Scenario['name'];
  title: string;
  workload: Scenario['workload'];
  warmupMs: number;
  requests: number;
  measuredRequests: number;
  meanPromptTokens: number;
  /** Whether the working set fits: hit ratios of one LRU cache fed every request in order. */
  fit: { oneReplica: number; wholePool: number; oracle: number };
  policies: PolicyResult[];
}

const counterDelta = (
  before: Map<string, { prefixCacheQueriesTotal?: number; prefixCacheHitsTotal?: number }>,
  after: typeof before,
) => {
  let queries = 0;
  let hits = 0;
  for (const [id, end] of after) {
    const start = before.get(id);
    queries += (end.prefixCacheQueriesTotal ?? 0) - (start?.prefixCacheQueriesTotal ?? 0);
    hits += (end.prefixCacheHitsTotal ?? 0) - (start?.prefixCacheHitsTotal ?? 0);
  }
  return queries > 0 ? hits / queries : null;
};

const maxOverMean = (values: number[]) =>
  ratio(Math.max(...values), values.reduce((a, b) => a + b, 0) / values.length);

/**
 * Where each policy's simulators come from: freshly started ones (the benchmark), or one shared
 * pool (the smoke run, which only proves that everything runs: its numbers mean nothing).
 */
interface PoolSource {
  acquire(): Promise<SimPool>;
  release(pool: SimPool): Promise<void>;
}

async function runScenario(
  context: BenchContext,
  scenario: Scenario,
  pools: PoolSource,
): Promise<ScenarioResult> {
  const { progress } = context;
  const requests = generateWorkload(scenario.workload);
  const prompts = requests.map((r) => promptBlocks(r, blockSize));
  const oracle = oracleHitTokens(prompts, blockSize);
  const all = requests.map((_, i) => i);
  const measured = all.filter((i) => (requests[i]?.atMs ?? 0) >= scenario.warmupMs);
  const sum = (indices: number[], value: (i: number) => number) =>
    indices.reduce((total, i) => total + value(i), 0);
  const promptTokens = (indices: number[]) => sum(indices, (i) => prompts[i]?.promptTokens ?? 0);
  const oracleShare = (indices: number[]) =>
    sum(indices, (i) => oracle[i] ?? 0) / Math.max(1, promptTokens(indices));
  const oracleHitRatio = oracleShare(measured);
  const fit = {
    oneReplica: round(lruHitRatio(prompts, blockSize, kvBlocks)),
    wholePool: round(lruHitRatio(prompts, blockSize, kvBlocks * replicaCount)),
    oracle: round(oracleShare(all)),
  };
  progress(
    `routing/${scenario.name}: ${requests.length} requests (${measured.length} measured), ` +
      `LRU hit ratio one replica ${fit.oneReplica}, whole pool ${fit.wholePool}, oracle ${fit.oracle}`,
  );

  const policies: PolicyResult[] = [];
  for (const [p, policy] of policyNames.entries()) {
    const pool = await pools.acquire();
    try {
      const inFlight = createInFlightCounter();
      const router = createRouter(
        policy,
        {
          replicaIds: pool.replicaIds,
          inFlight,
          snapshot: (nowMs) => pool.snapshot(nowMs),
          model: simModel,
          staleMs: heartbeatStaleMs,
        },
        1_000 + p,
      );
      let atWarmup = await pool.scrape();
      const startedMs = Date.now();
      const { outcomes, peakInFlight } = await replay({
        requests,
        model: simModel,
        urls: pool.urls,
        router,
        inFlight,
        checkpoint: {
          atMs: scenario.warmupMs,
          run: async () => {
            atWarmup = await pool.scrape();
          },
        },
        timeoutMs: 120_000,
      });
      const atEnd = await pool.scrape();
      const steady = outcomes.filter((o) => (requests[o.index]?.atMs ?? 0) >= scenario.warmupMs);
      const ttfts = steady.flatMap((o) => (o.ok && o.ttftMs !== undefined ? [o.ttftMs] : []));
      const served = pool.replicaIds.map((id) => steady.filter((o) => o.replicaId === id).length);
      const peaks = pool.replicaIds.map((id) => peakInFlight.get(id) ?? 0);
      const hitRatio = counterDelta(atWarmup, atEnd);
      const result: PolicyResult = {
        policy,
        requests: steady.length,
        errors: outcomes.filter((o) => !o.ok).length,
        ttftP50Ms: round(percentile(ttfts, 50), 1),
        ttftP99Ms: round(percentile(ttfts, 99), 1),
        hitRatio: hitRatio === null ? null : round(hitRatio),
        oracleHitRatio: round(oracleHitRatio),
        hitOverOracle: hitRatio === null ? null : ratio(hitRatio, oracleHitRatio),
        spilledShare: steady.some((o) => o.spilled !== undefined)
          ? round(steady.filter((o) => o.spilled === true).length / Math.max(1, steady.length))
          : null,
        servedPerReplica: served,
        servedMaxOverMean: maxOverMean(served),
        peakInFlightPerReplica: peaks,
        peakInFlightMaxOverMean: maxOverMean(peaks),
        peakWaitingPerReplica: pool.replicaIds.map((id) => pool.peakWaiting.get(id) ?? 0),
        clientLagP99Ms: round(
          percentile(
            outcomes.map((o) => o.lagMs),
            99,
          ),
          1,
        ),
        wallMs: Date.now() - startedMs,
      };
      policies.push(result);
      progress(
        `routing/${scenario.name}/${policy}: TTFT p50 ${fmt(result.ttftP50Ms, 0)} ms, ` +
          `p99 ${fmt(result.ttftP99Ms, 0)} ms, hit ratio ${fmt(result.hitRatio)} ` +
          `(oracle ${fmt(result.oracleHitRatio)}), served ${served.join('/')}, ` +
          `${result.errors} errors, load average ${fmt(loadavg()[0], 1)}`,
      );
    } finally {
      await pools.release(pool);
    }
  }
  return {
    name: scenario.name,
    title: scenario.title,
    workload: scenario.workload,
    warmupMs: scenario.warmupMs,
    requests: requests.length,
    measuredRequests: measured.length,
    meanPromptTokens: round(promptTokens(all) / Math.max(1, all.length), 0),
    fit,
    policies,
  };
}

export const routing: Benchmark = {
  name: 'routing',
  async run(context): Promise<BenchOutcome> {
    const { lab, progress, smoke } = context;
    const start = () => {
      progress(`routing: starting ${replicaCount} simulators`);
      return startSimPool(lab, {
        replicas: replicaCount,
        firstPort: lab.port(offsets.routingSims),
        kvBlocks,
      });
    };
    const shared = smoke ? await start() : undefined;
    const pools: PoolSource = {
      acquire: () => (shared === undefined ? start() : Promise.resolve(shared)),
      release: (pool) => (pool === shared ? Promise.resolve() : pool.stop()),
    };
    const results: ScenarioResult[] = [];
    const loadBefore = loadavg()[0] ?? 0;
    try {
      for (const scenario of scenarios(smoke)) {
        results.push(await runScenario(context, scenario, pools));
      }
    } finally {
      await shared?.stop();
    }
    const loadAfter = loadavg()[0] ?? 0;
    return {
      results: {
        kvBlocks,
        blockSize,
        replicas: replicaCount,
        freshSimulatorsPerPolicy: !smoke,
        loadAverage: [loadBefore, loadAfter],
        scenarios: results,
      },
      markdown: routingMarkdown(results, { loadBefore, loadAfter, fresh: !smoke }),
    };
  },
};
