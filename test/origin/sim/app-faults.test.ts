import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '../../../origin/sim/completion-chunks';
import { parseFaultPlan } from '../../../origin/sim/fault-plan';
import { garbageBytes } from '../../../origin/sim/sse-body';
import {
  createTestSim,
  eventually,
  metricValue,
  postJson,
  recordingClock,
  type TestSim,
} from './sim-test-kit';

const stream = {
  model: 'sim-model',
  messages: [{ role: 'user', content: 'Tell me a story.' }],
  stream: true,
  max_tokens: 20,
  ignore_eos: true,
};
const running = (sim: TestSim): number => sim.runtime.scheduler.stats().running;
const withFault = (fault: string, body: object = stream, signal?: AbortSignal) => ({
  body,
  init: { headers: { 'x-sim-fault': fault }, signal },
});

async function bodyText(response: Response): Promise<string> {
  return new TextDecoder().decode(await response.arrayBuffer());
}

function contentChunks(text: string): string[] {
  return text
    .split('\n\n')
    .filter((event) => event.startsWith('data: {"id"'))
    .map((event) => JSON.parse(event.slice(6)) as ChatCompletionChunk)
    .flatMap((chunk) => chunk.choices.map((c) => c.delta.content ?? ''))
    .filter((content) => content !== '');
}

describe('fault injection by request header', () => {
  it.each([400, 500, 503])(
    'answers error=%i in vLLM’s envelope before any work',
    async (status) => {
      const sim = createTestSim();
      const { body, init } = withFault(`error=${status}`);
      const response = await postJson(sim.app, '/v1/chat/completions', body, init);
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ error: { code: status } });
      expect(running(sim)).toBe(0);
    },
  );

  it('sends N tokens then one in-band error event and no [DONE] for sse-error-after', async () => {
    const sim = createTestSim();
    const { body, init } = withFault('sse-error-after=3');
    const text = await bodyText(await postJson(sim.app, '/v1/chat/completions', body, init));
    expect(contentChunks(text)).toHaveLength(3);
    expect(text.trimEnd().split('\n\n').at(-1)).toMatch(/^data: \{"error":\{"message":/);
    expect(text).not.toContain('[DONE]');
    expect(running(sim)).toBe(0);
  });

  it('sends N tokens then bytes that are not SSE for garbage-after', async () => {
    const { app } = createTestSim();
    const { body, init } = withFault('garbage-after=2');
    const bytes = new Uint8Array(
      await (await postJson(app, '/v1/chat/completions', body, init)).arrayBuffer(),
    );
    expect([...bytes.slice(-garbageBytes.length)]).toEqual([...garbageBytes]);
  });

  it('breaks the body after N tokens for cut-after, streaming or not', async () => {
    const sim = createTestSim();
    for (const streaming of [true, false]) {
      const { body, init } = withFault('cut-after=2', { ...stream, stream: streaming });
      const response = await postJson(sim.app, '/v1/chat/completions', body, init);
      await expect(response.arrayBuffer()).rejects.toThrow();
    }
    expect(running(sim)).toBe(0);
  });

  it('stops mid-stream holding its slot for stall-after, until the client goes away', async () => {
    const sim = createTestSim();
    const { body, init } = withFault('stall-after=2');
    const response = await postJson(sim.app, '/v1/chat/completions', body, init);
    const reader = response.body!.getReader();
    for (let i = 0; i < 3; i++) await reader.read(); // role chunk + 2 tokens
    const next = reader.read();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(running(sim)).toBe(1);
    await reader.cancel();
    await next;
    expect(running(sim)).toBe(0);
  });

  it.each([true, false])(
    'never answers a hang (stream %s) but holds a slot until aborted',
    async (s) => {
      const sim = createTestSim();
      const controller = new AbortController();
      const { body, init } = withFault('hang', { ...stream, stream: s }, controller.signal);
      const pending = postJson(sim.app, '/v1/chat/completions', body, init);
      await eventually(() => running(sim) === 1);
      expect(
        await metricValue(sim.runtime, 'vllm:generation_tokens_total{model_name="sim-model"}'),
      ).toBe(0);
      controller.abort();
      expect((await pending).status).toBe(499);
      expect(running(sim)).toBe(0);
    },
  );

  it('adds delay-ms to the time before the first token only', async () => {
    const clock = recordingClock();
    const sim = createTestSim({ simTtftMs: 30, simInterTokenMs: 10 }, clock);
    const { body, init } = withFault('delay-ms=500', { ...stream, stream: false, max_tokens: 3 });
    await postJson(sim.app, '/v1/chat/completions', body, init);
    expect(clock.delaysMs).toEqual([530, 10, 10]);
  });

  it('calls the crash hook for crash', async () => {
    const sim = createTestSim();
    const { body, init } = withFault('crash');
    await postJson(sim.app, '/v1/chat/completions', body, init).catch(() => undefined);
    expect(sim.crashes()).toBe(1);
  });

  it('rejects a malformed fault header with 400', async () => {
    const { body, init } = withFault('explode');
    const response = await postJson(createTestSim().app, '/v1/chat/completions', body, init);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { message: "x-sim-fault: unknown fault 'explode'" },
    });
  });
});

describe('fault injection by flag', () => {
  const plan = (spec: string) => {
    const parsed = parseFaultPlan(spec);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.plan;
  };

  it('applies --sim-fault to requests without a header, and a header replaces it', async () => {
    const sim = createTestSim({ simFault: plan('error=503') });
    expect((await postJson(sim.app, '/v1/chat/completions', stream)).status).toBe(503);
    const { body, init } = withFault('');
    expect((await postJson(sim.app, '/v1/chat/completions', body, init)).status).toBe(200);
  });

  it('crashes on request N+1 with --sim-crash-after-requests N', async () => {
    const sim = createTestSim({ simCrashAfterRequests: 2 });
    const short = { ...stream, stream: false, max_tokens: 1 };
    await postJson(sim.app, '/v1/chat/completions', short);
    await postJson(sim.app, '/v1/chat/completions', short);
    expect(sim.crashes()).toBe(0);
    await postJson(sim.app, '/v1/chat/completions', short).catch(() => undefined);
    expect(sim.crashes()).toBe(1);
  });

  it('hangs the whole engine at request N+1: tokens stop, slots stay taken, /health says 200', async () => {
    const sim = createTestSim({ simHangAfterRequests: 1 });
    const first = await postJson(sim.app, '/v1/chat/completions', { ...stream, stream: false });
    expect(first.status).toBe(200);
    const tokensBefore = await metricValue(
      sim.runtime,
      'vllm:generation_tokens_total{model_name="sim-model"}',
    );
    const promptBefore = await metricValue(
      sim.runtime,
      'vllm:prompt_tokens_total{model_name="sim-model"}',
    );
    const controller = new AbortController();
    const hung = await postJson(sim.app, '/v1/chat/completions', stream, {
      signal: controller.signal,
    });
    const reader = hung.body!.getReader();
    const read = reader.read();
    await eventually(() => running(sim) === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(
      await metricValue(sim.runtime, 'vllm:generation_tokens_total{model_name="sim-model"}'),
    ).toBe(tokensBefore);
    // Stuck before its first token, the request never finished prefill: no counter moves.
    expect(await metricValue(sim.runtime, 'vllm:prompt_tokens_total{model_name="sim-model"}')).toBe(
      promptBefore,
    );
    expect((await sim.app.request('/health')).status).toBe(200);
    expect(sim.logger.entries).toContainEqual(
      expect.objectContaining({ msg: 'engine hung (fault injection)' }),
    );
    controller.abort();
    await read.catch(() => undefined);
    expect(running(sim)).toBe(0);
  });
});

describe('bounded waiting queue', () => {
  it('answers 429 with Retry-After when --sim-max-waiting requests already wait', async () => {
    const sim = createTestSim({ maxNumSeqs: 1, simMaxWaiting: 1 });
    const first = await postJson(sim.app, '/v1/chat/completions', { ...stream, max_tokens: 5000 });
    const second = await postJson(sim.app, '/v1/chat/completions', stream);
    const third = await postJson(sim.app, '/v1/chat/completions', stream);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(await third.json()).toMatchObject({
      error: { type: 'TooManyRequestsError', code: 429 },
    });
    expect(sim.runtime.scheduler.stats()).toEqual({ running: 1, waiting: 1 });
    await first.body!.cancel();
    expect(await second.text()).toContain('[DONE]');
  });
});
