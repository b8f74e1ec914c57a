import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../origin/sim/clock';
import { createTestSim, eventually, postJson, type TestSim } from './sim-test-kit';

/** A stream long enough never to finish on its own during a test. */
const longStream = {
  model: 'sim-model',
  messages: [{ role: 'user', content: 'Write a long essay.' }],
  stream: true,
  max_tokens: 5_000,
  ignore_eos: true,
};

const generationTokens = async ({ runtime }: TestSim): Promise<number> => {
  const text = await runtime.metrics.render();
  const match = /^vllm:generation_tokens_total\{[^}]*\} (\d+)$/m.exec(text);
  return Number(match?.[1]);
};

const abortLogs = ({ logger }: TestSim): unknown[] =>
  logger.entries.filter((entry) => entry.msg === 'request aborted');

describe('client disconnects', () => {
  it('stops generating, frees the slot and logs the request id when a stream is cancelled', async () => {
    const sim = createTestSim();
    const response = await postJson(sim.app, '/v1/chat/completions', longStream, {
      headers: { 'x-request-id': 'gw-42' },
    });
    const reader: ReadableStreamDefaultReader<Uint8Array> = response.body!.getReader();
    await reader.read();
    await reader.read();
    expect(sim.runtime.scheduler.stats().running).toBe(1);

    await reader.cancel();
    await eventually(() => sim.runtime.scheduler.stats().running === 0);
    expect(abortLogs(sim)).toEqual([{ level: 'info', msg: 'request aborted', requestId: 'gw-42' }]);
    const tokensAfterCancel = await generationTokens(sim);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await generationTokens(sim)).toBe(tokensAfterCancel);
    expect(tokensAfterCancel).toBeLessThan(5_000);
  });

  it('ends a stream without [DONE] when the request signal aborts', async () => {
    const sim = createTestSim();
    const controller = new AbortController();
    const response = await postJson(sim.app, '/v1/chat/completions', longStream, {
      signal: controller.signal,
    });
    const reader: ReadableStreamDefaultReader<Uint8Array> = response.body!.getReader();
    await reader.read();
    controller.abort();
    let body = '';
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      body += new TextDecoder().decode(part.value);
    }
    expect(body).not.toContain('[DONE]');
    expect(sim.runtime.scheduler.stats().running).toBe(0);
    expect(abortLogs(sim)).toHaveLength(1);
  });

  it('frees the slot when the client goes away while nobody reads the stream', async () => {
    const sim = createTestSim();
    const controller = new AbortController();
    await postJson(sim.app, '/v1/chat/completions', longStream, { signal: controller.signal });
    await eventually(() => sim.runtime.scheduler.stats().running === 1);
    controller.abort();
    expect(sim.runtime.scheduler.stats().running).toBe(0);
    expect(abortLogs(sim)).toHaveLength(1);
  });

  it('frees the slot of a non-streaming request whose client goes away', async () => {
    // Real time with a long TTFT: the request is certainly still generating when it is aborted.
    const sim = createTestSim({ simTtftMs: 60_000 }, systemClock);
    const controller = new AbortController();
    const pending = postJson(
      sim.app,
      '/v1/chat/completions',
      { ...longStream, stream: false },
      { signal: controller.signal },
    );
    await eventually(() => sim.runtime.scheduler.stats().running === 1);
    controller.abort();
    const response = await pending;
    expect(response.status).toBe(499);
    expect(sim.runtime.scheduler.stats().running).toBe(0);
    expect(abortLogs(sim)).toHaveLength(1);
  });
});

describe('running and waiting', () => {
  it('queues requests beyond --max-num-seqs and shows them in the gauges', async () => {
    const sim = createTestSim({ maxNumSeqs: 1 });
    const first = await postJson(sim.app, '/v1/chat/completions', longStream);
    const second = postJson(sim.app, '/v1/chat/completions', { ...longStream, max_tokens: 3 });
    await eventually(() => sim.runtime.scheduler.stats().waiting === 1);

    const metrics = await sim.runtime.metrics.render();
    expect(metrics).toContain('vllm:num_requests_running{model_name="sim-model"} 1');
    expect(metrics).toContain('vllm:num_requests_waiting{model_name="sim-model"} 1');

    await first.body!.cancel();
    const body = await (await second).text();
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(sim.runtime.scheduler.stats()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('drops a waiting request whose client goes away without it ever running', async () => {
    const sim = createTestSim({ maxNumSeqs: 1 });
    const first = await postJson(sim.app, '/v1/chat/completions', longStream);
    const controller = new AbortController();
    const second = await postJson(sim.app, '/v1/chat/completions', longStream, {
      signal: controller.signal,
      headers: { 'x-request-id': 'queued-1' },
    });
    await eventually(() => sim.runtime.scheduler.stats().waiting === 1);
    controller.abort();
    expect(await second.text()).toBe('');
    expect(sim.runtime.scheduler.stats()).toMatchObject({ running: 1, waiting: 0 });
    expect(abortLogs(sim)).toEqual([
      { level: 'info', msg: 'request aborted', requestId: 'queued-1' },
    ]);
    await first.body!.cancel();
  });
});
