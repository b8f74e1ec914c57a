import type { EngineProcess } from './engine-process';
import type { Logger } from './logger';
import type { ProbeResult } from './readiness';
import type { Clock } from './ports';
import { initialStatus, transition, type ReplicaEvent, type ReplicaStatus } from './state-machine';

/** One start-up step, given the deadline (epoch ms) and a signal that ends it early. */
export type StartupStep = (deadlineMs: number, signal: AbortSignal) => Promise<ProbeResult>;

export interface SupervisorOptions {
  clock: Clock;
  logger: Logger;
  launch: () => EngineProcess;
  /** Until the engine answers on its port. */
  waitForEngine: StartupStep;
  /** Until a real generation succeeded; the seam for warm-up plans. */
  warmUp: StartupStep;
  startupTimeoutMs: number;
  engineStopTimeoutMs: number;
  /** How often start-up progress is logged while the engine loads. */
  progressLogIntervalMs: number;
  /** Called after every state change (the heartbeat announces it at once). */
  onChange: (status: ReplicaStatus) => void;
}

export interface Supervisor {
  status: () => ReplicaStatus;
  enginePid: () => number | undefined;
  /** Launches the engine and brings it to `ready`; resolves in `ready`, `failed` or `draining`. */
  start(): Promise<void>;
  /** Enters `draining` and abandons any start-up step still running. */
  requestDrain(reason: string): void;
  /** Stops the engine (if any) and enters `stopped` from `draining`. */
  stopEngine(): Promise<void>;
  /** Synchronous last resort for `process.on('exit')`. */
  killEngineNow(): void;
}

/**
 * The process shell around `transition()`: it turns engine exits, probe results and signals into
 * events. Restart with backoff, the watchdog and sleep/wake will hang off the same events.
 */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const { clock, logger } = options;
  const startedAtMs = clock.nowMs();
  let status = initialStatus(startedAtMs);
  let engine: EngineProcess | undefined;
  let stopRequested = false;
  const startup = new AbortController();

  const dispatch = (event: ReplicaEvent): void => {
    const next = transition(status, event);
    if (next === status) return;
    logger.info(`replica ${next.state}`, {
      from: status.state,
      state: next.state,
      detail: next.detail,
      elapsedMs: event.atMs - startedAtMs,
    });
    status = next;
    if (status.state !== 'starting' && status.state !== 'warming') startup.abort();
    options.onChange(status);
  };

  const failStartup = async (reason: string): Promise<void> => {
    dispatch({ type: 'startup-failed', atMs: clock.nowMs(), reason });
    if (status.state !== 'failed' || engine === undefined) return;
    // A half-started engine serves nobody and may hold GPU memory; restart is a later feature.
    stopRequested = true;
    await engine.stop(options.engineStopTimeoutMs);
  };

  const logProgress = (): void => {
    logger.info('engine start-up in progress', {
      phase: status.state,
      elapsedMs: clock.nowMs() - startedAtMs,
    });
  };

  return {
    status: () => status,
    enginePid: () => engine?.pid,
    async start() {
      const deadlineMs = startedAtMs + options.startupTimeoutMs;
      const launched = options.launch();
      engine = launched;
      logger.info('engine launched', {
        pid: launched.pid ?? null,
        startupTimeoutMs: options.startupTimeoutMs,
      });
      void launched.exited.then((exit) => {
        logger[stopRequested ? 'info' : 'error']('engine exited', {
          code: exit.code,
          signal: exit.signal,
          spawnError: exit.spawnError,
        });
        if (!stopRequested) dispatch({ type: 'engine-exited', atMs: clock.nowMs(), ...exit });
      });

      const progress = setInterval(logProgress, options.progressLogIntervalMs);
      try {
        const listening = await options.waitForEngine(deadlineMs, startup.signal);
        if (!listening.ok) return await failStartup(listening.reason);
        dispatch({ type: 'engine-listening', atMs: clock.nowMs() });
        const warmed = await options.warmUp(deadlineMs, startup.signal);
        if (!warmed.ok) return await failStartup(warmed.reason);
        dispatch({ type: 'warmup-succeeded', atMs: clock.nowMs() });
      } finally {
        clearInterval(progress);
      }
    },
    requestDrain(reason) {
      dispatch({ type: 'drain-requested', atMs: clock.nowMs(), reason });
    },
    async stopEngine() {
      stopRequested = true;
      if (engine !== undefined) await engine.stop(options.engineStopTimeoutMs);
      dispatch({ type: 'engine-stopped', atMs: clock.nowMs() });
    },
    killEngineNow: () => engine?.killNow(),
  };
}
