import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { bundleEntries } from '../../../origin/deploy/build-origin-bundle';
import { originBundleDir } from '../sidecar/support/origin-bundle';
import { freePort } from '../support/free-port';

const root = new URL('../../../', import.meta.url).pathname;

export interface SimProcess {
  child: ChildProcess;
  port: number;
  /** Resolves with the first log line whose `msg` is `msg`. */
  waitForLog(msg: string): Promise<Record<string, unknown>>;
  exit: Promise<{ code: number | null; stderr: string }>;
}

const started: ChildProcess[] = [];

/** For `afterEach`: kills every simulator a test started. */
export function killSims(): void {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
}

/**
 * Starts `vllm-sim serve org/model` on a free port with fast latency and the given flags: the
 * simulator bundled as `npm run build:origin` bundles it, which starts faster than through tsx.
 */
export async function startSim(flags: string[]): Promise<SimProcess> {
  const port = await freePort();
  const entry = path.join(await originBundleDir(), bundleEntries.simulator);
  const child = spawn(
    process.execPath,
    [
      entry,
      'serve',
      'org/model',
      '--served-model-name',
      'sim-model',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--sim-ttft-ms',
      '1',
      '--sim-inter-token-ms',
      '1',
      ...flags,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  started.push(child);
  const logs: Record<string, unknown>[] = [];
  const waiters: { msg: string; resolve: (entry: Record<string, unknown>) => void }[] = [];
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      for (const waiter of waiters.filter((w) => w.msg === entry.msg)) waiter.resolve(entry);
    }
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exit = once(child, 'exit').then(([code]) => ({ code: code as number | null, stderr }));
  return {
    child,
    port,
    exit,
    waitForLog: (msg) =>
      new Promise((resolve) => {
        const seen = logs.find((entry) => entry.msg === msg);
        if (seen) resolve(seen);
        else waiters.push({ msg, resolve });
      }),
  };
}

export const chatBody = (extra: object): string =>
  JSON.stringify({
    model: 'sim-model',
    messages: [{ role: 'user', content: 'Hi' }],
    stream: true,
    ...extra,
  });
