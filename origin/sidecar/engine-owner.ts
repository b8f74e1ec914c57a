import type { EngineExit, EngineProcess } from './engine-process';
import type { Logger } from './logger';

/**
 * Owns the current engine process. An exit the sidecar asked for (stop) is expected; any other
 * exit is reported, once, as a failure. A restart or a wake launches a new process, and an exit
 * of an old one can never be mistaken for the new one's.
 */
export interface EngineOwner {
  /** Starts a new engine; `onLine` sees each of its output lines. */
  launch(onLine: (line: string) => void): void;
  /** Stops the current engine (SIGTERM, SIGKILL after `graceMs`); its exit is expected. */
  stop(graceMs: number): Promise<void>;
  /** The pid of the engine launched last, while it lives or after. */
  pid(): number | undefined;
  /** Synchronous last resort for `process.on('exit')`. */
  killNow(): void;
}

export interface EngineOwnerOptions {
  launch: (onLine: (line: string) => void) => EngineProcess;
  logger: Logger;
  onUnexpectedExit: (exit: EngineExit) => void;
}

export function createEngineOwner(options: EngineOwnerOptions): EngineOwner {
  let current: { process: EngineProcess; stopping: boolean } | undefined;

  return {
    launch(onLine) {
      const owned = { process: options.launch(onLine), stopping: false };
      current = owned;
      options.logger.info('engine launched', { pid: owned.process.pid ?? null });
      void owned.process.exited.then((exit) => {
        options.logger[owned.stopping ? 'info' : 'error']('engine exited', {
          pid: owned.process.pid ?? null,
          code: exit.code,
          signal: exit.signal,
          spawnError: exit.spawnError,
        });
        if (!owned.stopping && current === owned) options.onUnexpectedExit(exit);
      });
    },
    async stop(graceMs) {
      const owned = current;
      if (owned === undefined) return;
      owned.stopping = true;
      await owned.process.stop(graceMs);
    },
    pid: () => current?.process.pid,
    killNow: () => current?.process.killNow(),
  };
}
