import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { replicaStates, type ReplicaState } from '../../contracts/heartbeat';
import type { EngineLoad } from './load-tracker';

/**
 * The sidecar's own `/metrics` (Prometheus text, prom-client with a registry of its own so tests
 * can build several). It answers what vLLM's metrics cannot: what the replica's state is, how
 * often it restarted, how long warm-up took, how the canary fares, and what the proxy admitted
 * or refused. A few engine gauges are repeated so one scrape shows the replica whole.
 */
export interface SidecarMetrics {
  setState(state: ReplicaState): void;
  recordRestart(): void;
  recordStartup(seconds: { startupSeconds: number; warmupSeconds: number }): void;
  recordCanary(seconds: number, ok: boolean): void;
  recordProxied(status: number): void;
  render(): Promise<string>;
  readonly contentType: string;
}

export interface SidecarMetricsOptions {
  inFlight: () => number;
  queued: () => number;
  /** The engine's last scraped load. */
  engineLoad: () => EngineLoad;
}

const prefix = 'switchyard_sidecar_';

export function createSidecarMetrics(options: SidecarMetricsOptions): SidecarMetrics {
  const registry = new Registry();
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name: `${prefix}${name}`,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  };

  const state = new Gauge({
    name: `${prefix}state`,
    help: 'Replica state: 1 for the current one, 0 for the others.',
    labelNames: ['state'] as const,
    registers,
  });
  const restarts = new Counter({
    name: `${prefix}restarts_total`,
    help: 'Engine restarts after a failure.',
    registers,
  });
  const startup = new Gauge({
    name: `${prefix}startup_seconds`,
    help: 'Last start (or wake) from engine launch to ready.',
    registers,
  });
  const warmup = new Gauge({
    name: `${prefix}warmup_seconds`,
    help: 'Last warm-up (canary and warm-up prompts), engine listening to ready.',
    registers,
  });
  const canary = new Histogram({
    name: `${prefix}canary_latency_seconds`,
    help: 'Watchdog canary generations, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const proxied = new Counter({
    name: `${prefix}proxied_requests_total`,
    help: 'Requests to /v1/* by response status, including the ones the sidecar refused.',
    labelNames: ['status'] as const,
    registers,
  });
  gauge('in_flight_requests', 'Requests being proxied to the engine.', options.inFlight);
  gauge('queued_requests', 'Requests waiting for admission.', options.queued);
  gauge('engine_requests_running', 'vLLM: requests running.', () => options.engineLoad().running);
  gauge('engine_requests_waiting', 'vLLM: requests waiting.', () => options.engineLoad().waiting);
  gauge(
    'engine_kv_cache_usage_ratio',
    'vLLM: KV-cache use, 0..1.',
    () => options.engineLoad().kvCacheUsage,
  );
  gauge(
    'engine_generation_tokens_per_second',
    'vLLM: generated tokens per second between the last two scrapes.',
    () => options.engineLoad().tokensPerSecond,
  );
  gauge(
    'engine_prefix_cache_hit_ratio',
    'vLLM: prefix-cache hits over queries, in tokens, since the engine started.',
    () => options.engineLoad().prefixCacheHitRatio ?? 0,
  );

  return {
    setState(current) {
      for (const name of replicaStates) state.set({ state: name }, name === current ? 1 : 0);
    },
    recordRestart: () => restarts.inc(),
    recordStartup({ startupSeconds, warmupSeconds }) {
      startup.set(startupSeconds);
      warmup.set(warmupSeconds);
    },
    recordCanary: (seconds, ok) => canary.observe({ outcome: ok ? 'ok' : 'failed' }, seconds),
    recordProxied: (status) => proxied.inc({ status: String(status) }),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
