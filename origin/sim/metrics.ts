import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { KvCacheStats } from './kv-cache';
import type { BatchState } from './latency';
import type { FinishReason } from './text-generator';

/**
 * `/metrics` with vLLM's metric names and its `model_name` label, so the sidecar's scraper and
 * watchdog read the simulator exactly as they read vLLM. A registry of its own keeps several
 * simulators in one test process from sharing counters.
 */
export interface SimMetrics {
  recordPromptTokens(tokens: number): void;
  recordGenerationTokens(tokens: number): void;
  recordRequestSuccess(finishReason: FinishReason): void;
  /**
   * Every generation request that reached the engine, failed or injected ones included. Not a
   * vLLM metric (`sim:` prefix): tests count attempts at the engine with it.
   */
  recordRequestReceived(): void;
  recordPrefixCacheQuery(queriedTokens: number, hitTokens: number): void;
  /** Seconds from the request's arrival (queueing included) to its first token. */
  recordTimeToFirstToken(seconds: number): void;
  /** Prometheus text exposition format. */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface SimMetricsOptions {
  /** The first served model name, as vLLM labels its metrics. */
  modelName: string;
  readBatch: () => BatchState;
  readKvCache: () => KvCacheStats;
}

/** vLLM's buckets for `vllm:time_to_first_token_seconds`, so dashboards built on it line up. */
const ttftBucketsSeconds = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
  40.0, 80.0, 160.0, 640.0, 2560.0,
];

export function createSimMetrics(options: SimMetricsOptions): SimMetrics {
  const registry = new Registry();
  const labels = { model_name: options.modelName };
  const labelNames = ['model_name'] as const;
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.set(labels, read());
      },
    });
  };
  const counter = (name: string, help: string): Counter<'model_name'> => {
    const created = new Counter({ name, help, labelNames, registers });
    // Exported at 0 from the start: a watchdog needs the series before the first request.
    created.inc(labels, 0);
    return created;
  };

  const kvUsage = (): number => {
    const { usedBlocks, totalBlocks } = options.readKvCache();
    return usedBlocks / totalBlocks;
  };
  gauge(
    'vllm:num_requests_running',
    'Requests in model execution batches.',
    () => options.readBatch().running,
  );
  gauge(
    'vllm:num_requests_waiting',
    'Requests waiting to be processed.',
    () => options.readBatch().waiting,
  );
  gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', kvUsage);
  gauge('vllm:gpu_cache_usage_perc', 'Older name of vllm:kv_cache_usage_perc.', kvUsage);
  const promptTokens = counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.');
  const generationTokens = counter(
    'vllm:generation_tokens_total',
    'Number of generation tokens processed.',
  );
  const prefixQueries = counter(
    'vllm:prefix_cache_queries_total',
    'Prefix-cache queries, in tokens.',
  );
  const prefixHits = counter('vllm:prefix_cache_hits_total', 'Prefix-cache hits, in tokens.');
  const ttft = new Histogram({
    name: 'vllm:time_to_first_token_seconds',
    help: 'Histogram of time to first token in seconds.',
    labelNames,
    buckets: ttftBucketsSeconds,
    registers,
  });
  const success = new Counter({
    name: 'vllm:request_success_total',
    help: 'Count of successfully processed requests.',
    labelNames: ['model_name', 'finished_reason'] as const,
    registers,
  });

  const received = counter(
    'sim:requests_received_total',
    'Generation requests that reached the simulator, failed ones included (not a vLLM metric).',
  );

  return {
    recordRequestReceived: () => received.inc(labels),
    recordPromptTokens: (tokens) => promptTokens.inc(labels, tokens),
    recordGenerationTokens: (tokens) => generationTokens.inc(labels, tokens),
    recordRequestSuccess: (finishReason) =>
      success.inc({ ...labels, finished_reason: finishReason }),
    recordPrefixCacheQuery: (queriedTokens, hitTokens) => {
      prefixQueries.inc(labels, queriedTokens);
      prefixHits.inc(labels, hitTokens);
    },
    recordTimeToFirstToken: (seconds) => ttft.observe(labels, seconds),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
