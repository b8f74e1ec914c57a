import { Counter, Gauge, Registry } from 'prom-client';
import type { SchedulerStats } from './scheduler';
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
  recordPrefixCacheQuery(queriedTokens: number, hitTokens: number): void;
  /** Prometheus text exposition format. */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface SimMetricsOptions {
  /** The first served model name, as vLLM labels its metrics. */
  modelName: string;
  readBatch: () => SchedulerStats;
  /**
   * Tokens the simulated KV cache holds when full. Usage is held tokens over this; a stand-in
   * until the prefix-block cache is modelled.
   */
  kvCapacityTokens: number;
}

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

  const kvUsage = (): number =>
    Math.min(1, options.readBatch().contextTokens / options.kvCapacityTokens);
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
  const success = new Counter({
    name: 'vllm:request_success_total',
    help: 'Count of successfully processed requests.',
    labelNames: ['model_name', 'finished_reason'] as const,
    registers,
  });

  return {
    recordPromptTokens: (tokens) => promptTokens.inc(labels, tokens),
    recordGenerationTokens: (tokens) => generationTokens.inc(labels, tokens),
    recordRequestSuccess: (finishReason) =>
      success.inc({ ...labels, finished_reason: finishReason }),
    recordPrefixCacheQuery: (queriedTokens, hitTokens) => {
      prefixQueries.inc(labels, queriedTokens);
      prefixHits.inc(labels, hitTokens);
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
