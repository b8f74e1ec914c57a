import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { EngineCommand } from './engine-command';
import type { Logger } from './logger';

export interface EngineExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. `vllm` not on PATH). */
  spawnError?: string;
}

/** A running engine. The sidecar owns it: nothing else signals its process group. */
export interface EngineProcess {
  readonly pid: number | undefined;
  /** Settles once, when the engine process ends for any reason. */
  readonly exited: Promise<EngineExit>;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs: number): Promise<EngineExit>;
  /** Last resort when the sidecar itself is exiting: SIGKILL the group, synchronously. */
  killNow(): void;
}

export interface SpawnEngineOptions {
  logger: Logger;
  /** Environment for the engine; the caller removes the pool secret. */
  env: NodeJS.ProcessEnv;
  /** Sees every output line too (start-up phase detection). */
  onLine?: (line: string) => void;
}

/**
 * Starts the engine in its own process group (`detached`), because vLLM forks workers (the engine
 * core, tensor-parallel ranks) that must die with it and would otherwise keep GPU memory.
 * Every stdout/stderr line becomes one structured log line tagged `source: "engine"`.
 */
export function spawnEngine(command: EngineCommand, options: SpawnEngineOptions): EngineProcess {
  const child = spawn(command.command, command.args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...options.env, ...command.env },
  });
  pipeLines(child.stdout, 'stdout', options);
  pipeLines(child.stderr, 'stderr', options);

  const exited = new Promise<EngineExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // `on`, not `once`: an 'error' event without a listener would crash the sidecar.
    child.on('error', (error) => {
      // 'error' without a pid means spawn itself failed and no 'exit' will follow.
      if (child.pid === undefined) resolve({ code: null, signal: null, spawnError: error.message });
    });
  });

  const signalGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // ESRCH: the whole group is already gone.
    }
  };

  return {
    pid: child.pid,
    exited,
    async stop(graceMs) {
      const alreadyExited = child.exitCode !== null || child.signalCode !== null;
      if (!alreadyExited) signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      const exit = await exited;
      clearTimeout(timer);
      // The leader is gone; sweep any worker it left behind in its group.
      signalGroup('SIGKILL');
      return exit;
    },
    killNow: () => signalGroup('SIGKILL'),
  };
}

function pipeLines(
  stream: Readable,
  name: 'stdout' | 'stderr',
  { logger, onLine }: SpawnEngineOptions,
): void {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    logger.info(line, { source: 'engine', stream: name });
    onLine?.(line);
  });
}
