import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Child processes for the local stack. Each starts in its own process group so that stopping it
 * also stops what it started (wrangler → workerd, sidecar → simulator): nothing is orphaned.
 */

export interface Managed {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export type LineSink = (name: string, line: string) => void;

export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; onLine: LineSink },
): Managed {
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => options.onLine(name, line));
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  return { name, child, exited };
}

function signalGroup(managed: Managed, signal: NodeJS.Signals): void {
  if (managed.child.pid === undefined || managed.child.exitCode !== null) return;
  try {
    process.kill(-managed.child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Asks a process to stop with SIGTERM (a sidecar drains, then stops its engine), then kills its
 * whole group after `graceMs`, and always sweeps the group once more for stragglers.
 */
export async function stopProcess(managed: Managed, graceMs: number): Promise<void> {
  if (managed.child.pid !== undefined && managed.child.exitCode === null) {
    try {
      managed.child.kill('SIGTERM');
    } catch {
      // Already exited.
    }
    const timer = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), graceMs).unref(),
    );
    if ((await Promise.race([managed.exited, timer])) === 'timeout')
      signalGroup(managed, 'SIGKILL');
  }
  await managed.exited;
  signalGroup(managed, 'SIGKILL');
}

/** Runs a command to completion and returns its stdout; rejects with its output on failure. */
export function run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stdout}${stderr}`)),
    );
  });
}
