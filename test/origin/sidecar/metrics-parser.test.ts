import { describe, expect, it } from 'vitest';
import {
  parsePrometheusText,
  readEngineMetrics,
  type EngineMetricsSample,
} from '../../../origin/sidecar/metrics-parser';

const current = `
# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="m"} 3.0
vllm:num_requests_waiting{engine="0",model_name="m"} 1.0
vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.42
vllm:generation_tokens_total{engine="0",model_name="m"} 1234.0
vllm:generation_tokens_created{engine="0",model_name="m"} 1.7e9
vllm:prompt_tokens_total{engine="0",model_name="m"} 9000.0
vllm:prefix_cache_queries_total{engine="0",model_name="m"} 8000.0
vllm:prefix_cache_hits_total{engine="0",model_name="m"} 6400.0
`;
const legacy = `
vllm:num_requests_running{model_name="m"} 2
vllm:num_requests_waiting{model_name="m"} 0
vllm:gpu_cache_usage_perc{model_name="m"} 0.1
vllm:generation_tokens_total{model_name="m"} 50
vllm:gpu_prefix_cache_queries_total{model_name="m"} 320
vllm:gpu_prefix_cache_hits_total{model_name="m"} 160
`;
const twoEngines = `
vllm:num_requests_running{engine="0"} 2
vllm:num_requests_running{engine="1"} 5
vllm:kv_cache_usage_perc{engine="0"} 0.3
vllm:kv_cache_usage_perc{engine="1"} 0.7
vllm:gpu_cache_usage_perc{engine="0"} 0.99
`;

describe('readEngineMetrics', () => {
  it.each<[string, string, EngineMetricsSample]>([
    [
      'current vLLM names',
      current,
      {
        running: 3,
        waiting: 1,
        kvCacheUsage: 0.42,
        generationTokensTotal: 1234,
        promptTokensTotal: 9000,
        prefixCacheQueriesTotal: 8000,
        prefixCacheHitsTotal: 6400,
      },
    ],
    [
      'older vLLM names',
      legacy,
      {
        running: 2,
        waiting: 0,
        kvCacheUsage: 0.1,
        generationTokensTotal: 50,
        prefixCacheQueriesTotal: 320,
        prefixCacheHitsTotal: 160,
      },
    ],
    [
      'several engines: summed load, fullest cache, current name preferred',
      twoEngines,
      { running: 7, kvCacheUsage: 0.7 },
    ],
    ['an empty body', '', {}],
    ['garbage', 'not prometheus at all {{{\n\u0000', {}],
    [
      'a NaN gauge as absent',
      'vllm:kv_cache_usage_perc NaN\nvllm:num_requests_waiting 4',
      { waiting: 4 },
    ],
  ])('reads %s', (_name, text, expected) => {
    expect(readEngineMetrics(text)).toEqual(expected);
  });
});

describe('parsePrometheusText', () => {
  it.each<[string, string, { name: string; labels: string; value: number }[]]>([
    ['a bare sample', 'up 1', [{ name: 'up', labels: '', value: 1 }]],
    ['a timestamp', 'up 1 1700000000000', [{ name: 'up', labels: '', value: 1 }]],
    [
      'braces and quotes inside label values',
      'm{path="/a}b",q="x\\"y"} 2',
      [{ name: 'm', labels: 'path="/a}b",q="x\\"y"', value: 2 }],
    ],
    [
      'infinities',
      'a +Inf\nb -Inf',
      [
        { name: 'a', labels: '', value: Infinity },
        { name: 'b', labels: '', value: -Infinity },
      ],
    ],
    ['scientific notation', 'c 1.5e3', [{ name: 'c', labels: '', value: 1500 }]],
    ['comments and blank lines as nothing', '# HELP x\n\n# TYPE x gauge', []],
    ['a malformed value as nothing', 'x abc', []],
    [
      'CRLF line ends',
      'x 1\r\ny 2\r\n',
      [
        { name: 'x', labels: '', value: 1 },
        { name: 'y', labels: '', value: 2 },
      ],
    ],
  ])('parses %s', (_name, text, expected) => {
    expect(parsePrometheusText(text)).toEqual(expected);
  });
});
