import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isProcessAlive } from './support/process-alive';
import {
  engineLogs,
  launchSidecar,
  signedPost,
  stateSequence,
  stopSidecars,
} from './support/sidecar-process';
import { readStream, simSidecarArgs, withSimulator, writeWarmupFile } from './support/sim-sidecar';

afterEach(stopSidecars);

/** Index of the first sidecar log line satisfying `predicate`, -1 if none. */
function indexOf(
  lines: Record<string, unknown>[],
  predicate: (l: Record<string, unknown>) => boolean,
) {
  return lines.findIndex(predicate);
}

describe('proof: readiness', () => {
  it('is ready only after real generations, and no client request reaches the engine before', async () => {
    const warmup = writeWarmupFile([
      { messages: [{ role: 'system', content: 'You answer billing questions.' }] },
      { messages: [{ role: 'system', content: 'You answer shipping questions.' }] },
    ]);
    const { sidecar, url, heartbeats } = await launchSidecar(
      simSidecarArgs(
        '--engine-arg=--sim-startup-delay-ms=300',
        // 300 ms per generation at the 10× speedup: warming is long enough to be probed.
        '--engine-arg=--sim-ttft-ms=3000',
        '--warmup-file',
        warmup,
      ),
      withSimulator,
    );
    const early: number[] = [];
    for (let n = 0; ; n++) {
      const response = await signedPost(url, `early-${n}`).catch(() => undefined);
      if (response !== undefined) {
        early.push(response.status);
        await response.text();
        if (response.status === 200) break;
        expect(response.status, `answer to early-${n}`).toBe(503);
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      await sleep(20);
    }
    const seen = `states ${stateSequence(heartbeats()).join(',')}; answers ${early.join(',')}`;
    expect(stateSequence(heartbeats()), seen).toEqual(['starting', 'warming', 'ready']);
    expect(early.filter((status) => status === 503).length, seen).toBeGreaterThan(5);

    // The engine logs a request after answering it, and the sidecar relays that line a moment
    // later: wait for the accepted request's line before reading the order of events.
    const isClientLine = (l: Record<string, unknown>) =>
      l.source === 'engine' && String(l.msg).includes('early-');
    for (
      let waitedMs = 0;
      indexOf(sidecar.lines(), isClientLine) === -1 && waitedMs < 5_000;
      waitedMs += 50
    ) {
      await sleep(50);
    }
    const lines = sidecar.lines();
    const readyAt = indexOf(lines, (l) => l.msg === 'replica ready');
    const finished = (id: string) =>
      indexOf(lines, (l) => l.source === 'engine' && String(l.msg).includes(`"requestId":"${id}"`));
    // The canary and the warm-up prompts were generated before ready…
    for (const id of ['sidecar-canary-warmup', 'sidecar-warmup-1', 'sidecar-warmup-2']) {
      expect(finished(id)).toBeGreaterThan(-1);
      expect(finished(id)).toBeLessThan(readyAt);
    }
    // …and no client request reached the engine until then.
    const clientAt = indexOf(lines, isClientLine);
    expect(clientAt).toBeGreaterThan(readyAt);
  }, 30_000);

  it('never becomes ready when the engine answers /health but cannot generate', async () => {
    const { heartbeats, waitForState } = await launchSidecar(
      simSidecarArgs(
        '--engine-arg=--sim-fault=error=500',
        '--startup-timeout-ms',
        '1500',
        '--max-restarts',
        '0',
      ),
      withSimulator,
    );
    await waitForState('failed');
    await vi.waitFor(() =>
      expect(heartbeats().at(-1)?.detail).toContain('gave up after 0 restarts'),
    );
    expect(heartbeats().at(-1)?.detail).toContain('generation answered 500');
    expect(heartbeats().map((h) => h.state)).not.toContain('ready');
  }, 30_000);
});

describe('proof: watchdog', () => {
  it('detects a hung engine within the watchdog window, restarts it, and serves again', async () => {
    const { sidecar, url, heartbeats, waitForState } = await launchSidecar(
      simSidecarArgs(
        // The canary is request 1; the first client request hangs the whole engine.
        '--engine-arg=--sim-hang-after-requests=1',
        '--watchdog-interval-ms',
        '100',
        '--watchdog-stall-ms',
        '1000',
        '--canary-interval-ms',
        '1000',
        '--canary-timeout-ms',
        '1000',
      ),
      withSimulator,
    );
    await waitForState('ready');
    const firstPid = (await (await fetch(`${url}/state`)).json()) as { enginePid: number };
    const hung = await signedPost(url, 'victim', '/v1/completions', {
      model: 'small',
      prompt: 'hi',
      max_tokens: 50,
      stream: true,
    });
    const hungAtMs = Date.now();
    const outcome = readStream(hung);

    await waitForState('failed', 5_000);
    const failedAtMs = Date.now();
    const failure = heartbeats().find((h) => h.state === 'failed');
    expect(failure?.detail).toMatch(/engine stalled: 1 running|canary failed/);
    // Stall window 1 s + one watchdog interval + heartbeat delivery, with room for a slow CI.
    expect(failedAtMs - hungAtMs).toBeLessThan(5_000);

    // The hung engine is killed, the client's stream ends without [DONE], a new engine serves.
    expect((await outcome).text).not.toContain('[DONE]');
    await vi.waitFor(() => expect(isProcessAlive(firstPid.enginePid)).toBe(false));
    await vi.waitFor(
      () =>
        expect(stateSequence(heartbeats()).slice(-4)).toEqual([
          'failed',
          'starting',
          'warming',
          'ready',
        ]),
      { timeout: 15_000 },
    );
    expect(sidecar.lines().filter((l) => l.msg === 'engine launched')).toHaveLength(2);
    // The broken response is logged like everything else: one JSON object per line, on stdout.
    expect(sidecar.lines()).toContainEqual(
      expect.objectContaining({ msg: 'engine response broke off mid-body' }),
    );
    expect(sidecar.stderr()).toBe('');
  }, 30_000);
});

describe('proof: crash loop', () => {
  it('backs off between restarts and gives up with the reason', async () => {
    const { sidecar, url, heartbeats, waitForState } = await launchSidecar(
      simSidecarArgs('--engine-arg=--sim-startup-exit-code=3', '--max-restarts', '2'),
      withSimulator,
    );
    await vi.waitFor(() => expect(heartbeats().at(-1)?.detail ?? '').toContain('gave up'), {
      timeout: 20_000,
      interval: 50,
    });
    await waitForState('failed');
    expect(heartbeats().at(-1)).toMatchObject({
      state: 'failed',
      detail:
        'gave up after 2 restarts in a row; last failure: engine exited unexpectedly with code 3',
    });
    const restarts = sidecar.lines().filter((l) => l.msg === 'engine restart scheduled');
    expect(restarts.map((l) => l.attempt)).toEqual([1, 2]);
    // Exponential backoff with equal jitter: 50–100 ms, then 100–200 ms.
    const [first, second] = restarts.map((l) => Number(l.delayMs));
    expect(first).toBeGreaterThanOrEqual(50);
    expect(first).toBeLessThanOrEqual(100);
    expect(second).toBeGreaterThanOrEqual(100);
    expect(second).toBeLessThanOrEqual(200);
    expect(sidecar.lines().filter((l) => l.msg === 'engine launched')).toHaveLength(3);
    // Given up, but alive: probes answer and it still stops cleanly.
    expect((await fetch(`${url}/livez`)).status).toBe(200);
    sidecar.child.kill('SIGTERM');
    expect(await sidecar.exited).toEqual({ code: 0, signal: null });
    expect(
      engineLogs(sidecar).filter((l) => l.msg === 'start-up failed (fault injection)'),
    ).toHaveLength(3);
  }, 30_000);
});
