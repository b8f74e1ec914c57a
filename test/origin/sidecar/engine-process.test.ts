import { describe, expect, it, vi } from 'vitest';
import { spawnEngine } from '../../../origin/sidecar/engine-process';
import { isProcessAlive } from './support/process-alive';
import { captureLogs } from './support/test-logger';

/** Runs a Node one-liner as the "engine". */
function launch(script: string) {
  const { logger, records } = captureLogs();
  const engine = spawnEngine(
    { command: process.execPath, args: ['-e', script], env: {} },
    { logger, env: process.env },
  );
  return { engine, logs: records };
}

describe('spawnEngine', () => {
  it('logs each engine output line tagged with its source and reports the exit code', async () => {
    const { engine, logs } = launch(
      'console.log("loading weights"); console.error("INFO ready\\n\\nlast"); process.exit(3)',
    );
    await expect(engine.exited).resolves.toEqual({ code: 3, signal: null });
    await vi.waitFor(() => expect(logs).toHaveLength(3));
    expect(
      logs
        .map(({ msg, source, stream, level }) => ({ msg, source, stream, level }))
        .sort((a, b) => a.msg.localeCompare(b.msg)),
    ).toEqual([
      { msg: 'INFO ready', source: 'engine', stream: 'stderr', level: 'info' },
      { msg: 'last', source: 'engine', stream: 'stderr', level: 'info' },
      { msg: 'loading weights', source: 'engine', stream: 'stdout', level: 'info' },
    ]);
  });

  it('stops the engine with SIGTERM', async () => {
    const { engine } = launch('console.log("up"); setInterval(() => {}, 1000)');
    await vi.waitFor(() => expect(engine.pid).toBeDefined());
    await expect(engine.stop(5_000)).resolves.toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('escalates to SIGKILL when the engine ignores SIGTERM past the grace period', async () => {
    const { engine, logs } = launch(
      'process.on("SIGTERM", () => console.log("ignoring")); console.log("up"); setInterval(() => {}, 1000)',
    );
    await vi.waitFor(() => expect(logs.map((l) => l.msg)).toContain('up'));
    await expect(engine.stop(200)).resolves.toEqual({ code: null, signal: 'SIGKILL' });
    expect(logs.map((l) => l.msg)).toContain('ignoring');
  });

  it('takes the workers the engine forked down with it', async () => {
    const { engine, logs } = launch(`
      const { spawn } = require('node:child_process');
      const worker = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      console.log('worker ' + worker.pid);
      setInterval(() => {}, 1000);
    `);
    await vi.waitFor(() => expect(logs.some((l) => l.msg.startsWith('worker '))).toBe(true));
    const workerPid = Number(logs.find((l) => l.msg.startsWith('worker '))?.msg.split(' ')[1]);
    expect(isProcessAlive(workerPid)).toBe(true);

    await engine.stop(5_000);

    await vi.waitFor(() => expect(isProcessAlive(workerPid)).toBe(false));
  });

  it('reports an engine that cannot be started at all', async () => {
    const { logger } = captureLogs();
    const engine = spawnEngine(
      { command: 'definitely-not-vllm-xyz', args: [], env: {} },
      { logger, env: process.env },
    );
    const exit = await engine.exited;
    expect(exit).toMatchObject({
      code: null,
      signal: null,
      spawnError: expect.stringContaining('ENOENT') as string,
    });
    await expect(engine.stop(100)).resolves.toEqual(exit);
  });
});
