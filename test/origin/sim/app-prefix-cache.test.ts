import { describe, expect, it } from 'vitest';
import { createTestSim, metricValue, postJson, recordingClock } from './sim-test-kit';

/** A system prompt long enough to fill several 16-token blocks. */
const systemPrompt = Array.from({ length: 40 }, (_, i) => `Rule ${i}: answer carefully.`).join(' ');
const ask = (question: string, cacheSalt?: string) => ({
  model: 'sim-model',
  messages: [
    { role: 'system', content: systemPrompt },
    { role: 'user', content: question },
  ],
  max_tokens: 2,
  ...(cacheSalt === undefined ? {} : { cache_salt: cacheSalt }),
});
const series = (name: string) => `${name}{model_name="sim-model"}`;

describe('prefix cache', () => {
  it('counts queries and hits in tokens, and hits on a shared system prompt', async () => {
    const { app, runtime } = createTestSim();
    await postJson(app, '/v1/chat/completions', ask('First question?'));
    const queriesAfterOne = await metricValue(runtime, series('vllm:prefix_cache_queries_total'));
    expect(await metricValue(runtime, series('vllm:prefix_cache_hits_total'))).toBe(0);

    await postJson(app, '/v1/chat/completions', ask('Second question?'));
    const hits = (await metricValue(runtime, series('vllm:prefix_cache_hits_total'))) ?? 0;
    expect(hits).toBeGreaterThan(200);
    expect(hits % 16).toBe(0);
    expect(await metricValue(runtime, series('vllm:prefix_cache_queries_total'))).toBeGreaterThan(
      2 * hits * 0.9,
    );
    expect(queriesAfterOne).toBeGreaterThan(hits);
  });

  it.each([
    { name: 'a different cache_salt', first: 'tenant-a', second: 'tenant-b', shares: false },
    { name: 'no salt after a salted request', first: 'tenant-a', second: undefined, shares: false },
    { name: 'the same cache_salt', first: 'tenant-a', second: 'tenant-a', shares: true },
  ])('with $name, shares the cached prefix: $shares', async ({ first, second, shares }) => {
    const { app, runtime } = createTestSim();
    await postJson(app, '/v1/chat/completions', ask('First question?', first));
    await postJson(app, '/v1/chat/completions', ask('Second question?', second));
    const hits = await metricValue(runtime, series('vllm:prefix_cache_hits_total'));
    expect((hits ?? 0) > 0).toBe(shares);
  });

  it('shortens time to first token by the prefill of the cached tokens', async () => {
    const clock = recordingClock();
    const { app, runtime } = createTestSim(
      { simTtftMs: 30, simPrefillMsPerToken: 0.5, simInterTokenMs: 10 },
      clock,
    );
    await postJson(app, '/v1/chat/completions', ask('First question?'));
    await postJson(app, '/v1/chat/completions', ask('First question?'));
    const [coldTtftMs, , warmTtftMs] = clock.delaysMs;
    const hits = (await metricValue(runtime, series('vllm:prefix_cache_hits_total'))) ?? 0;
    expect((coldTtftMs ?? 0) - (warmTtftMs ?? 0)).toBeCloseTo(hits * 0.5);
  });

  it('forgets cached prefixes when the engine sleeps', async () => {
    const { app, runtime } = createTestSim({ enableSleepMode: true });
    await postJson(app, '/v1/chat/completions', ask('First question?'));
    await app.request('/sleep', { method: 'POST' });
    await app.request('/wake_up', { method: 'POST' });
    await postJson(app, '/v1/chat/completions', ask('First question?'));
    expect(await metricValue(runtime, series('vllm:prefix_cache_hits_total'))).toBe(0);
  });

  it('shows KV-cache use while a request runs and cached blocks as free afterwards', async () => {
    const { app, runtime } = createTestSim({ numGpuBlocksOverride: 1024 });
    const response = await postJson(app, '/v1/chat/completions', {
      ...ask('Go on.'),
      stream: true,
      max_tokens: 500,
      ignore_eos: true,
    });
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    const during = (await metricValue(runtime, series('vllm:kv_cache_usage_perc'))) ?? 0;
    expect(during).toBeGreaterThan(0.01);
    await reader.cancel();
    expect(await metricValue(runtime, series('vllm:kv_cache_usage_perc'))).toBe(0);
    expect(await metricValue(runtime, series('vllm:gpu_cache_usage_perc'))).toBe(0);
  });

  it('records time to first token in vLLM’s histogram', async () => {
    const { app, runtime } = createTestSim();
    await postJson(app, '/v1/chat/completions', ask('One?'));
    await postJson(app, '/v1/chat/completions', ask('Two?'));
    expect(await metricValue(runtime, series('vllm:time_to_first_token_seconds_count'))).toBe(2);
    const text = await runtime.metrics.render();
    expect(text).toContain(
      'vllm:time_to_first_token_seconds_bucket{le="0.001",model_name="sim-model"} 2',
    );
  });
});
