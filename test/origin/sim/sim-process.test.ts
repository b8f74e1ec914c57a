import { afterEach, describe, expect, it } from 'vitest';
import { chatBody, killSims, startSim } from './sim-process-kit';

afterEach(killSims);

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  while (!(await reader.read()).done) {
    // Discard: only whether the body ends cleanly matters.
  }
}

describe('vllm-sim process', () => {
  it('does not listen during --sim-startup-delay-ms, then serves, and exits 0 on SIGTERM', async () => {
    const sim = await startSim(['--sim-startup-delay-ms', '500']);
    const starting = await sim.waitForLog('vllm-sim starting');
    expect(starting).toMatchObject({
      level: 'info',
      port: sim.port,
      servedModelNames: ['sim-model'],
    });
    await expect(fetch(`http://127.0.0.1:${sim.port}/health`)).rejects.toThrow();

    const listening = await sim.waitForLog('listening');
    expect(listening).toMatchObject({ port: sim.port });
    expect(
      Date.parse(String(listening.ts)) - Date.parse(String(starting.ts)),
    ).toBeGreaterThanOrEqual(500);
    expect((await fetch(`http://127.0.0.1:${sim.port}/health`)).status).toBe(200);
    const stream = await fetch(`http://127.0.0.1:${sim.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatBody({ max_tokens: 3 }),
    });
    expect((await stream.text()).endsWith('data: [DONE]\n\n')).toBe(true);

    sim.child.kill('SIGTERM');
    expect((await sim.exit).code).toBe(0);
  });

  it('aborts generation and frees the slot when an HTTP client disconnects mid-stream', async () => {
    const sim = await startSim(['--sim-inter-token-ms', '5']);
    await sim.waitForLog('listening');
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${sim.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'gw-disconnect-1' },
      body: chatBody({ max_tokens: 5_000, ignore_eos: true }),
      signal: controller.signal,
    });
    const reader: ReadableStreamDefaultReader<Uint8Array> = response.body!.getReader();
    await reader.read();
    controller.abort();

    expect(await sim.waitForLog('request aborted')).toMatchObject({ requestId: 'gw-disconnect-1' });
    const metrics = await (await fetch(`http://127.0.0.1:${sim.port}/metrics`)).text();
    expect(metrics).toContain('vllm:num_requests_running{model_name="sim-model"} 0');
    sim.child.kill('SIGTERM');
    expect((await sim.exit).code).toBe(0);
  });

  it('lets an in-flight stream finish after SIGTERM within --shutdown-timeout', async () => {
    const sim = await startSim(['--shutdown-timeout', '10', '--sim-inter-token-ms', '5']);
    await sim.waitForLog('listening');
    const response = await fetch(`http://127.0.0.1:${sim.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatBody({ max_tokens: 40, ignore_eos: true }),
    });
    const reader: ReadableStreamDefaultReader<Uint8Array> = response.body!.getReader();
    const decoder = new TextDecoder();
    let body = decoder.decode((await reader.read()).value);
    sim.child.kill('SIGTERM');
    await sim.waitForLog('shutting down');
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      body += decoder.decode(part.value);
    }
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect((await sim.exit).code).toBe(0);
  });

  it('cuts in-flight streams and still exits 0 when --shutdown-timeout is 0', async () => {
    const sim = await startSim(['--shutdown-timeout', '0', '--sim-inter-token-ms', '20']);
    await sim.waitForLog('listening');
    const response = await fetch(`http://127.0.0.1:${sim.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatBody({ max_tokens: 1_000, ignore_eos: true }),
    });
    const reader: ReadableStreamDefaultReader<Uint8Array> = response.body!.getReader();
    await reader.read();
    sim.child.kill('SIGTERM');
    expect((await sim.exit).code).toBe(0);
    // The socket is closed mid-body, so reading on fails instead of reaching [DONE].
    await expect(drain(reader)).rejects.toThrow();
  });

  it('exits 2 with usage and the reason on an unknown flag', async () => {
    const sim = await startSim(['--bogus-flag']);
    const { code, stderr } = await sim.exit;
    expect(code).toBe(2);
    expect(stderr).toContain('usage: vllm-sim serve <model>');
    expect(stderr).toContain("Unknown option '--bogus-flag'");
  });
});
