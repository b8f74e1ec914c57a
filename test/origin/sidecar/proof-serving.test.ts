import { afterEach, describe, expect, it, vi } from 'vitest';
import { isProcessAlive } from './support/process-alive';
import { edgeHeaders } from './support/sidecar-harness';
import {
  engineGauge,
  engineLogs,
  launchSidecar,
  processTestSecret,
  signedPost,
  stateSequence,
  stopSidecars,
} from './support/sidecar-process';
import { simSidecarArgs, withSimulator } from './support/sim-sidecar';

afterEach(stopSidecars);

const running = 'vllm:num_requests_running';
const longStream = (maxTokens: number) => ({
  model: 'small',
  prompt: 'Tell me everything.',
  max_tokens: maxTokens,
  ignore_eos: true,
  stream: true,
});

async function signedWake(url: string): Promise<Response> {
  const headers = await edgeHeaders('POST', '/wake', 'wake-1', {
    secret: processTestSecret,
    nowMs: Date.now(),
  });
  return fetch(`${url}/wake`, { method: 'POST', headers });
}

describe('proof: sleep and wake', () => {
  it.each([
    {
      mode: 'vLLM sleep mode',
      args: ['--enable-sleep-mode', '--engine-arg=--sim-wake-delay-ms=200'],
    },
    { mode: 'stop/start without sleep mode', args: [] },
  ])(
    'sleeps after the idle TTL and serves the first token after POST /wake ($mode)',
    async ({ args }) => {
      const sleepMode = args.length > 0;
      const { url, engineUrl, heartbeats, waitForState, waitForLatest } = await launchSidecar(
        simSidecarArgs('--sleep-after-idle-ms', '1500', ...args),
        withSimulator,
      );
      await waitForState('ready');
      const { enginePid } = (await (await fetch(`${url}/state`)).json()) as { enginePid: number };
      await waitForLatest('sleeping', 10_000);

      const refused = await signedPost(url, 'while-asleep');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('10');
      if (sleepMode) {
        expect(await (await fetch(`${engineUrl}/is_sleeping`)).json()).toEqual({
          is_sleeping: true,
        });
      } else {
        // Without sleep mode the engine process is stopped and the GPU freed.
        await vi.waitFor(() => expect(isProcessAlive(enginePid)).toBe(false));
      }

      const wake = await signedWake(url);
      expect(wake.status).toBe(202);
      expect(await wake.json()).toMatchObject({ state: 'waking' });
      await waitForLatest('ready', 10_000);
      const first = await signedPost(url, 'first-after-wake', '/v1/completions', longStream(3));
      expect(first.status).toBe(200);
      expect(await first.text()).toContain('[DONE]');
      expect(stateSequence(heartbeats()).slice(2, 6)).toEqual([
        'ready',
        'sleeping',
        'waking',
        'ready',
      ]);
    },
    30_000,
  );
});

describe('proof: admission and aborts', () => {
  it('answers 429 with Retry-After beyond the concurrency limit and the queue', async () => {
    const { url, waitForState } = await launchSidecar(
      simSidecarArgs(
        '--max-concurrent-requests',
        '1',
        '--max-queued-requests',
        '1',
        // 20 ms per token at the 10× speedup: each request holds its place for about a second.
        '--engine-arg=--sim-inter-token-ms=200',
      ),
      withSimulator,
    );
    await waitForState('ready');
    const responses = await Promise.all(
      ['a', 'b', 'c'].map((id) => signedPost(url, id, '/v1/completions', longStream(40))),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429]);
    const refused = responses.find((r) => r.status === 429);
    expect(refused?.headers.get('retry-after')).toBe('1');
    for (const response of responses) await response.text();
  }, 30_000);

  it('frees the engine slot when the client disconnects: the simulator’s running gauge drops', async () => {
    const { sidecar, url, engineUrl, waitForState } = await launchSidecar(
      simSidecarArgs(),
      withSimulator,
    );
    await waitForState('ready');
    const client = new AbortController();
    const credential = await edgeHeaders('POST', '/v1/completions', 'gone-1', {
      secret: processTestSecret,
      nowMs: Date.now(),
    });
    const response = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      headers: { ...credential, 'content-type': 'application/json' },
      body: JSON.stringify(longStream(8_000)),
      signal: client.signal,
    });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    expect(await engineGauge(engineUrl, running)).toBe(1);

    client.abort();
    await vi.waitFor(async () => expect(await engineGauge(engineUrl, running)).toBe(0));
    await vi.waitFor(() =>
      expect(engineLogs(sidecar)).toContainEqual(
        expect.objectContaining({ msg: 'request aborted', requestId: 'gone-1' }),
      ),
    );
  }, 30_000);
});
