import { afterEach, describe, expect, it } from 'vitest';
import { chatBody, killSims, startSim } from './sim-process-kit';

afterEach(killSims);

function post(port: number, body: string, headers: Record<string, string> = {}) {
  return fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

describe('vllm-sim process faults', () => {
  it('exits with --sim-startup-exit-code after loading, never listening', async () => {
    const sim = await startSim(['--sim-startup-delay-ms', '100', '--sim-startup-exit-code', '3']);
    expect(await sim.waitForLog('start-up failed (fault injection)')).toMatchObject({
      exitCode: 3,
    });
    expect((await sim.exit).code).toBe(3);
  });

  it('dies abruptly on request N+1 with --sim-crash-after-requests N', async () => {
    const sim = await startSim(['--sim-crash-after-requests', '1']);
    await sim.waitForLog('listening');
    expect(await (await post(sim.port, chatBody({ max_tokens: 2 }))).text()).toContain('[DONE]');
    await expect(
      post(sim.port, chatBody({ max_tokens: 2 })).then((r) => r.text()),
    ).rejects.toThrow();
    expect((await sim.exit).code).toBe(70);
  });

  it('drops the connection mid-stream for an x-sim-fault cut, and keeps serving', async () => {
    const sim = await startSim([]);
    await sim.waitForLog('listening');
    const cut = await post(sim.port, chatBody({ max_tokens: 20 }), {
      'x-sim-fault': 'cut-after=2',
    });
    expect(cut.status).toBe(200);
    await expect(cut.text()).rejects.toThrow();
    expect((await fetch(`http://127.0.0.1:${sim.port}/health`)).status).toBe(200);
    expect(await (await post(sim.port, chatBody({ max_tokens: 2 }))).text()).toContain('[DONE]');
  });
});
