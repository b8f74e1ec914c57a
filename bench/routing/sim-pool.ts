import path from 'node:path';
import type { Managed } from '../../scripts/lib/processes';
import { repoRoot } from '../../scripts/lib/wrangler';
import { readEngineMetrics, type EngineMetricsSample } from '../../origin/sidecar/metrics-parser';
import type { ReplicaView } from '../../worker/ports';
import type { Lab } from '../edge/lab';

/**
 * Four (or n) `vllm-sim` processes for the routing benchmark, and the edge's view of them: what a
 * sidecar would put in its heartbeat, read from the same `/metrics` every second, and the pool
 * snapshot an isolate would hold (refreshed at most once a second from those heartbeats).
 */

export const simModel = 'bench-8b';
/** origin/sidecar/config-schema.ts `heartbeatIntervalMs` default. */
const heartbeatIntervalMs = 1_000;
/** worker/pool/pool-directory.ts `snapshotTtlMs`. */
const snapshotTtlMs = 1_000;

export interface SimPoolOptions {
  replicas: number;
  firstPort: number;
  /** `--num-gpu-blocks-override`. */
  kvBlocks: number;
  extraArgs?: string[];
}

export interface SimPool {
  replicaIds: string[];
  urls: Map<string, string>;
  /** The isolate's snapshot: at most `snapshotTtlMs` old, built from the last heartbeats. */
  snapshot(nowMs: number): ReplicaView[];
  /** Per replica, the most requests a heartbeat reported waiting for a slot or for KV blocks. */
  peakWaiting: Map<string, number>;
  /** Scrapes every replica's `/metrics` now. */
  scrape(): Promise<Map<string, EngineMetricsSample>>;
  stop(): Promise<void>;
}

const nowMs = () => performance.timeOrigin + performance.now();

export async function startSimPool(lab: Lab, options: SimPoolOptions): Promise<SimPool> {
  const replicaIds = Array.from({ length: options.replicas }, (_, i) => `sim-${i}`);
  const urls = new Map(
    replicaIds.map((id, i) => [id, `http://127.0.0.1:${options.firstPort + i}`] as const),
  );
  const processes: Managed[] = replicaIds.map((id, i) =>
    lab.start(id, process.execPath, [
      ...['--import', 'tsx', path.join(repoRoot, 'origin/sim/main.ts')],
      ...['serve', 'bench/llama-3.1-8b', '--served-model-name', simModel],
      ...['--host', '127.0.0.1', '--port', String(options.firstPort + i)],
      ...['--num-gpu-blocks-override', String(options.kvBlocks), '--sim-profile', 'h100-8b'],
      ...['--sim-seed', String(i)],
      ...(options.extraArgs ?? []),
    ]),
  );
  await Promise.all(
    replicaIds.map((id) =>
      lab.waitFor(`${id} to listen`, async () => (await fetch(`${urls.get(id)}/health`)).ok),
    ),
  );

  const startedAtMs = nowMs();
  const heartbeats = new Map<string, ReplicaView>();
  const peakWaiting = new Map(replicaIds.map((id) => [id, 0]));
  const beat = async (id: string) => {
    const text = await (await fetch(`${urls.get(id)}/metrics`)).text();
    const sample = readEngineMetrics(text);
    const seen = nowMs();
    peakWaiting.set(id, Math.max(peakWaiting.get(id) ?? 0, sample.waiting ?? 0));
    heartbeats.set(id, {
      replicaId: id,
      url: urls.get(id) ?? '',
      models: [simModel],
      state: 'ready',
      running: Math.round(sample.running ?? 0),
      waiting: Math.round(sample.waiting ?? 0),
      kvCacheUsage: Math.min(1, Math.max(0, sample.kvCacheUsage ?? 0)),
      tokensPerSecond: 0,
      version: 'vllm-sim',
      lastSeenMs: seen,
      signedAtMs: seen,
      registeredAtMs: startedAtMs,
      // A pool in steady state: the replicas have been ready for longer than any slow-start ramp,
      // which is for a replica joining a busy pool, not for all of them at once.
      readySinceMs: 0,
    });
  };
  await Promise.all(replicaIds.map(beat));
  const timers = replicaIds.map((id) =>
    setInterval(() => void beat(id).catch(() => undefined), heartbeatIntervalMs),
  );

  let cached: { atMs: number; replicas: ReplicaView[] } | undefined;
  return {
    replicaIds,
    urls,
    peakWaiting,
    snapshot(atMs) {
      if (cached === undefined || atMs - cached.atMs >= snapshotTtlMs) {
        cached = { atMs, replicas: replicaIds.flatMap((id) => heartbeats.get(id) ?? []) };
      }
      return cached.replicas;
    },
    async scrape() {
      const entries = await Promise.all(
        replicaIds.map(async (id) => {
          const text = await (await fetch(`${urls.get(id)}/metrics`)).text();
          return [id, readEngineMetrics(text)] as const;
        }),
      );
      return new Map(entries);
    },
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.all(processes.map((p) => lab.stopOne(p)));
    },
  };
}
