import type { ReplicaState } from '../../contracts/heartbeat';
import { buildHeartbeat, type ReplicaIdentity } from './heartbeat';
import type { HeartbeatSender } from './heartbeat-sender';
import { initialLoadTracker, trackLoad, type EngineLoad, type LoadTracker } from './load-tracker';
import { readEngineMetrics, type EngineMetricsSample } from './metrics-parser';
import type { Clock, HttpFetch } from './ports';
import type { ReplicaStatus } from './state-machine';

/** Reads the engine's load; `undefined` when the scrape failed. */
export type ScrapeEngineMetrics = () => Promise<EngineMetricsSample | undefined>;

export interface HeartbeatReporterOptions {
  identity: ReplicaIdentity;
  getStatus: () => ReplicaStatus;
  scrape: ScrapeEngineMetrics;
  sender: HeartbeatSender;
  clock: Clock;
  /** Requests the sidecar itself holds in its admission queue: the engine cannot see them. */
  queued?: () => number;
  /** Sees the engine load after every scrape (the sidecar's own metrics repeat it). */
  onLoad?: (load: EngineLoad) => void;
}

/** States in which the engine listens and `/metrics` is worth asking. */
const scrapedStates: ReadonlySet<ReplicaState> = new Set(['warming', 'ready', 'draining']);

/**
 * One beat: scrape the engine's load, fold it into the running figures, add the requests queued
 * in the sidecar (waiting is waiting, wherever it happens), build, send.
 */
export function createHeartbeatReporter(options: HeartbeatReporterOptions): () => Promise<void> {
  let tracker: LoadTracker = initialLoadTracker;
  return async () => {
    const status = options.getStatus();
    if (scrapedStates.has(status.state)) {
      const sample = await options.scrape();
      tracker = trackLoad(tracker, sample, options.clock.nowMs());
      options.onLoad?.(tracker.load);
    }
    const load = { ...tracker.load, waiting: tracker.load.waiting + (options.queued?.() ?? 0) };
    // Read the status again: a drain may have begun while the scrape ran.
    const heartbeat = buildHeartbeat(
      options.identity,
      options.getStatus(),
      load,
      options.clock.nowMs(),
    );
    await options.sender.send(heartbeat);
  };
}

export interface ScrapeOptions {
  engineBaseUrl: string;
  fetch: HttpFetch;
  timeoutMs: number;
}

export function createMetricsScraper(options: ScrapeOptions): ScrapeEngineMetrics {
  return async () => {
    try {
      const response = await options.fetch(`${options.engineBaseUrl}/metrics`, {
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const text = await response.text();
      return response.ok ? readEngineMetrics(text) : undefined;
    } catch {
      // The heartbeat keeps the last known load; the supervisor notices a dead engine.
      return undefined;
    }
  };
}
