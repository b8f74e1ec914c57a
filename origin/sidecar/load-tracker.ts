import type { EngineMetricsSample } from './metrics-parser';

/** The engine load reported in heartbeats. */
export interface EngineLoad {
  running: number;
  waiting: number;
  /** Fraction 0..1 of the KV cache in use. */
  kvCacheUsage: number;
  tokensPerSecond: number;
  /** Prefix-cache hits over queries (tokens) since the engine started; unknown until scraped. */
  prefixCacheHitRatio?: number;
}

/** Last reported load plus the counter reading tokens/s is computed from. */
export interface LoadTracker {
  load: EngineLoad;
  lastCounter?: { generationTokensTotal: number; atMs: number };
}

export const initialLoadTracker: LoadTracker = {
  load: { running: 0, waiting: 0, kvCacheUsage: 0, tokensPerSecond: 0 },
};

/**
 * Folds one scrape into the tracker. A failed scrape (`undefined`) or a missing metric keeps the
 * last value: the edge should see the last known load, not a replica that suddenly looks idle.
 * Tokens/s is the counter's increase over the time between scrapes; after a counter reset (the
 * engine restarted) the new value itself is the increase, as in Prometheus' `rate()`. Pure.
 */
export function trackLoad(
  tracker: LoadTracker,
  sample: EngineMetricsSample | undefined,
  atMs: number,
): LoadTracker {
  if (sample === undefined) return tracker;
  const previous = tracker.load;
  const load: EngineLoad = {
    running: sample.running ?? previous.running,
    waiting: sample.waiting ?? previous.waiting,
    kvCacheUsage: sample.kvCacheUsage ?? previous.kvCacheUsage,
    tokensPerSecond: previous.tokensPerSecond,
    ...hitRatio(sample, previous),
  };
  const total = sample.generationTokensTotal;
  if (total === undefined) return { ...tracker, load };

  const last = tracker.lastCounter;
  if (last !== undefined && atMs > last.atMs) {
    const increase =
      total >= last.generationTokensTotal ? total - last.generationTokensTotal : total;
    load.tokensPerSecond = increase / ((atMs - last.atMs) / 1000);
  }
  return { load, lastCounter: { generationTokensTotal: total, atMs } };
}

function hitRatio(
  sample: EngineMetricsSample,
  previous: EngineLoad,
): Pick<EngineLoad, 'prefixCacheHitRatio'> {
  const { prefixCacheQueriesTotal: queries, prefixCacheHitsTotal: hits } = sample;
  if (queries === undefined || hits === undefined || queries <= 0) {
    return previous.prefixCacheHitRatio === undefined
      ? {}
      : { prefixCacheHitRatio: previous.prefixCacheHitRatio };
  }
  return { prefixCacheHitRatio: hits / queries };
}
