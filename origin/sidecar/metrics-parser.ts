/** One sample line of the Prometheus text exposition format. */
export interface PrometheusSample {
  name: string;
  /** The raw label block without braces, e.g. `model_name="m",engine="0"`; empty if none. */
  labels: string;
  value: number;
}

// name, optional {labels} (quoted values may contain `}` and escaped quotes), value, timestamp.
const sampleLine =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[^"}]|"(?:[^"\\]|\\.)*")*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;

const specialValues: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  '+Inf': Number.POSITIVE_INFINITY,
  Inf: Number.POSITIVE_INFINITY,
  '-Inf': Number.NEGATIVE_INFINITY,
};

/** Parses Prometheus text format; comments, blank and malformed lines are skipped. Pure. */
export function parsePrometheusText(text: string): PrometheusSample[] {
  const samples: PrometheusSample[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = sampleLine.exec(line);
    if (match === null) continue;
    const [, name, labels, rawValue] = match;
    if (name === undefined || rawValue === undefined) continue;
    const value = specialValues[rawValue] ?? Number(rawValue);
    if (rawValue !== 'NaN' && Number.isNaN(value)) continue;
    samples.push({ name, labels: labels ?? '', value });
  }
  return samples;
}

/** The engine load figures the heartbeat needs; a field is absent when no metric carried it. */
export interface EngineMetricsSample {
  running?: number;
  waiting?: number;
  /** Fraction 0..1 of KV-cache blocks in use. */
  kvCacheUsage?: number;
  /** Monotonic counter of generated tokens since the engine started. */
  generationTokensTotal?: number;
  /** Monotonic counter of prompt tokens processed (moves during a long prefill). */
  promptTokensTotal?: number;
  /** Prefix-cache lookups and hits, in tokens, since the engine started. */
  prefixCacheQueriesTotal?: number;
  prefixCacheHitsTotal?: number;
}

type Aggregate = 'sum' | 'max';

/**
 * Metric names per field, preferred first. vLLM renamed `gpu_cache_usage_perc` to
 * `kv_cache_usage_perc` and `gpu_prefix_cache_{queries,hits}` to `prefix_cache_{queries,hits}`;
 * the usage is a 0..1 fraction despite the name. Series are summed across label sets (one per
 * data-parallel engine); cache usage takes the fullest engine.
 */
const metricSources: Record<keyof EngineMetricsSample, { names: string[]; aggregate: Aggregate }> =
  {
    running: { names: ['vllm:num_requests_running'], aggregate: 'sum' },
    waiting: { names: ['vllm:num_requests_waiting'], aggregate: 'sum' },
    kvCacheUsage: {
      names: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'],
      aggregate: 'max',
    },
    generationTokensTotal: { names: ['vllm:generation_tokens_total'], aggregate: 'sum' },
    promptTokensTotal: { names: ['vllm:prompt_tokens_total'], aggregate: 'sum' },
    prefixCacheQueriesTotal: {
      names: ['vllm:prefix_cache_queries_total', 'vllm:gpu_prefix_cache_queries_total'],
      aggregate: 'sum',
    },
    prefixCacheHitsTotal: {
      names: ['vllm:prefix_cache_hits_total', 'vllm:gpu_prefix_cache_hits_total'],
      aggregate: 'sum',
    },
  };

/** Reads vLLM's load metrics out of a `/metrics` body. Pure. */
export function readEngineMetrics(text: string): EngineMetricsSample {
  const samples = parsePrometheusText(text).filter((sample) => Number.isFinite(sample.value));
  const result: EngineMetricsSample = {};
  for (const [field, source] of Object.entries(metricSources)) {
    for (const name of source.names) {
      const values = samples.filter((sample) => sample.name === name).map((s) => s.value);
      if (values.length === 0) continue;
      result[field as keyof EngineMetricsSample] =
        source.aggregate === 'sum' ? values.reduce((a, b) => a + b, 0) : Math.max(...values);
      break;
    }
  }
  return result;
}
