import { afterEach, describe, expect, it, vi } from 'vitest';
import { isProcessAlive } from './support/process-alive';
import {
  launchSidecar as launch,
  processTestSecret,
  signedPost,
  stateSequence,
  stopSidecars,
  type SidecarProcess,
} from './support/sidecar-process';

afterEach(stopSidecars);

function workerPid(sidecar: SidecarProcess): number {
  const line = sidecar
    .lines()
    .find((l) => typeof l.msg === 'string' && l.msg.startsWith('fake engine worker pid'));
  return Number(String(line?.msg).split(' ').pop());
}

describe('sidecar process', () => {
  it('starts, warms, serves, drains in-flight work on SIGTERM and takes the engine down with it', async () => {
    const { edge, sidecar, url, waitForState } = await launch([
      '--drain-timeout-ms',
      '10000',
      '--engine-arg=--fake-startup-delay-ms=300',
      '--engine-arg=--fake-response-delay-ms=300',
      '--engine-arg=--fake-inter-token-ms=100',
      '--engine-arg=--fake-tokens=5',
      '--engine-arg=--fake-grandchild',
    ]);

    await waitForState('starting');
    expect((await signedPost(url, 'early')).status).toBe(503);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);

    await waitForState('ready');
    expect(stateSequence(edge.heartbeats)).toEqual(['starting', 'warming', 'ready']);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const state = (await (await fetch(`${url}/state`)).json()) as {
      enginePid: number;
      models: string[];
    };
    expect(state.models).toEqual(['small']);
    const enginePid = state.enginePid;
    const worker = workerPid(sidecar);
    expect([isProcessAlive(enginePid), isProcessAlive(worker)]).toEqual([true, true]);

    const slow = await signedPost(url, 'in-flight');
    expect(slow.status).toBe(200);
    const reader = (slow.body as ReadableStream<Uint8Array>).getReader();
    let streamed = new TextDecoder().decode((await reader.read()).value);

    sidecar.child.kill('SIGTERM');
    await waitForState('draining');
    expect((await signedPost(url, 'too-late')).status).toBe(503);

    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      streamed += new TextDecoder().decode(chunk.value);
    }
    expect(streamed.match(/"text":"t\d"/g)).toHaveLength(5);
    expect(streamed.endsWith('data: [DONE]\n\n')).toBe(true);

    expect(await sidecar.exited).toEqual({ code: 0, signal: null });
    expect(stateSequence(edge.heartbeats)).toEqual([
      'starting',
      'warming',
      'ready',
      'draining',
      'stopped',
    ]);
    expect(edge.rejected).toBe(0);
    await vi.waitFor(() =>
      expect([isProcessAlive(enginePid), isProcessAlive(worker)]).toEqual([false, false]),
    );

    const lines = sidecar.lines();
    for (const line of lines)
      expect(line).toMatchObject({
        ts: expect.any(String),
        level: expect.any(String),
        msg: expect.any(String),
        replicaId: 'proc-1',
      });
    expect(lines).toContainEqual(
      expect.objectContaining({
        source: 'engine',
        stream: 'stderr',
        msg: 'fake engine loading weights',
      }),
    );
    expect(sidecar.rawOutput()).not.toContain(processTestSecret);
  }, 30_000);

  it('reports failed when the engine dies, keeps answering probes, and still stops cleanly', async () => {
    const { edge, sidecar, url, waitForState } = await launch([]);
    await waitForState('ready');
    const { enginePid } = (await (await fetch(`${url}/state`)).json()) as { enginePid: number };

    process.kill(enginePid, 'SIGKILL');

    await waitForState('failed');
    expect(edge.heartbeats.at(-1)).toMatchObject({
      state: 'failed',
      detail: 'engine killed unexpectedly by SIGKILL',
    });
    expect((await fetch(`${url}/livez`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);

    sidecar.child.kill('SIGTERM');
    expect(await sidecar.exited).toEqual({ code: 0, signal: null });
    expect(stateSequence(edge.heartbeats).slice(-3)).toEqual(['failed', 'draining', 'stopped']);
  }, 30_000);

  it.each<[string, string[], { withFakeVllm?: boolean }, string]>([
    [
      'the start-up deadline passes',
      ['--startup-timeout-ms', '1500', '--engine-arg=--fake-startup-delay-ms=20000'],
      {},
      'did not succeed before the start-up deadline',
    ],
    [
      'vllm is not installed',
      [],
      { withFakeVllm: false },
      'engine could not be started: spawn vllm ENOENT',
    ],
  ])(
    'reports failed with the cause when %s',
    async (_name, args, options, detail) => {
      const { edge, sidecar, url, waitForState } = await launch(args, options);
      await waitForState('failed');
      expect(edge.heartbeats.find((h) => h.state === 'failed')?.detail).toContain(detail);
      // A half-started engine is stopped, so it holds no GPU memory while the replica is failed.
      const { enginePid } = (await (await fetch(`${url}/state`)).json()) as {
        enginePid: number | null;
      };
      if (enginePid !== null) await vi.waitFor(() => expect(isProcessAlive(enginePid)).toBe(false));
      sidecar.child.kill('SIGTERM');
      expect(await sidecar.exited).toEqual({ code: 0, signal: null });
    },
    30_000,
  );
});
