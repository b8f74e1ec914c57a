import type { ReplicaState } from '../../contracts/heartbeat';
import { startupPhaseOf } from './engine-log-phase';
import { createEngineOwner } from './engine-owner';
import type { EngineProcess } from './engine-process';
import type { Logger } from './logger';
import type { Clock, Rng, Sleep } from './ports';
import type { ProbeResult } from './readiness';
import { decideRestart, failuresInARow, type RestartPolicy } from './restart-policy';
import { initialStatus, type ReplicaStatus } from './state-machine';
import { createStatusStore } from './status-store';

/** One start-up step, given the deadline (epoch ms) and a signal that ends it early. */
export type StartupStep = (deadlineMs: number, signal: AbortSignal) => Promise<ProbeResult>;

/** vLLM's sleep mode, when it is on: `/sleep` and `/wake_up` on the engine. */
export interface EngineSleepMode {
  sleep(signal: AbortSignal): Promise<ProbeResult>;
  wakeUp(signal: AbortSignal): Promise<ProbeResult>;
}

export interface SupervisorOptions {
  clock: Clock;
  rng: Rng;
  sleep: Sleep;
  logger: Logger;
  launch: (onLine: (line: string) => void) => EngineProcess;
  /** Until the engine answers on its port. */
  waitForEngine: StartupStep;
  /** The warm-up plan: a canary until it produces a token, then the warm-up prompts. */
  warmUp: StartupStep;
  /** After `/wake_up`: a canary until it produces a token. */
  wakeCheck: StartupStep;
  /** Undefined: sleeping stops the engine process and waking starts a new one. */
  sleepMode: EngineSleepMode | undefined;
  startupTimeoutMs: number;
  /** SIGTERM to SIGKILL for the engine. */
  engineKillGraceMs: number;
  restartPolicy: RestartPolicy;
  /** How often start-up progress is logged while the engine loads. */
  progressLogIntervalMs: number;
  /** Called after every state change (the heartbeat announces it at once). */
  onChange: (status: ReplicaStatus) => void;
  /** A bring-up reached `ready`: launch (or wake) to ready, and engine listening to ready. */
  onReady?: (timing: { startupMs: number; warmupMs: number }) => void;
  onRestart?: () => void;
}

export interface Supervisor {
  status: () => ReplicaStatus;
  enginePid: () => number | undefined;
  /** Runs the lifecycle: start, serve, restart after failures; resolves once drained or given up. */
  start(): Promise<void>;
  /** The watchdog's verdict: a ready replica whose engine hangs becomes `failed`. */
  reportUnhealthy(reason: string): void;
  /** Idle: `ready` → `sleeping` at once, then the engine sleeps (or stops). */
  sleepEngine(reason: string): Promise<void>;
  /** `sleeping` → `waking` → `ready` in the background; returns the state right after asking. */
  wake(): ReplicaState;
  /** Enters `draining` and abandons any start-up step or restart wait still running. */
  requestDrain(reason: string): void;
  /** Stops the engine (if any) and enters `stopped` from `draining`. */
  stopEngine(): Promise<void>;
  /** Synchronous last resort for `process.on('exit')`. */
  killEngineNow(): void;
}

const bringingUp: ReadonlySet<ReplicaState> = new Set(['starting', 'warming', 'waking']);

/**
 * The process shell around `transition()`: it turns engine exits, probe results, watchdog verdicts,
 * idleness and signals into events, and runs the side effects each state needs.
 */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const { clock, logger } = options;
  const now = (): number => clock.nowMs();
  const drained = new AbortController();
  let bringUp: AbortController | undefined;
  let readySinceMs: number | undefined;

  const store = createStatusStore({
    initial: initialStatus(now()),
    clock,
    logger,
    onChange: (status) => {
      if (!bringingUp.has(status.state)) bringUp?.abort();
      if (status.state === 'ready') readySinceMs ??= status.sinceMs;
      options.onChange(status);
    },
  });
  const engine = createEngineOwner({
    launch: options.launch,
    logger,
    onUnexpectedExit: (exit) => store.dispatch({ type: 'engine-exited', atMs: now(), ...exit }),
  });
  const launch = (): void =>
    engine.launch((line) => {
      const phase = startupPhaseOf(line);
      if (phase !== undefined) store.dispatch({ type: 'startup-progress', atMs: now(), phase });
    });

  /** Runs the two start-up steps under one deadline; true when the replica became ready. */
  const bringUpWith = async (first: StartupStep, second: StartupStep): Promise<boolean> => {
    const controller = new AbortController();
    bringUp = controller;
    const startedAtMs = now();
    const deadlineMs = startedAtMs + options.startupTimeoutMs;
    const fail = (result: ProbeResult): false => {
      if (!result.ok)
        store.dispatch({ type: 'startup-failed', atMs: now(), reason: result.reason });
      return false;
    };
    const progress = setInterval(() => {
      const { state, detail } = store.current();
      logger.info('engine start-up in progress', { state, detail, elapsedMs: now() - startedAtMs });
    }, options.progressLogIntervalMs);
    try {
      const listening = await first(deadlineMs, controller.signal);
      if (!listening.ok) return fail(listening);
      const listeningAtMs = now();
      store.dispatch({ type: 'engine-listening', atMs: listeningAtMs });
      const warmed = await second(deadlineMs, controller.signal);
      if (!warmed.ok) return fail(warmed);
      if (!store.dispatch({ type: 'warmup-succeeded', atMs: now() })) return false;
      options.onReady?.({ startupMs: now() - startedAtMs, warmupMs: now() - listeningAtMs });
      return true;
    } finally {
      clearInterval(progress);
    }
  };

  const startEngine = (): Promise<boolean> => {
    launch();
    return bringUpWith(options.waitForEngine, options.warmUp);
  };

  /** After a failure: stop what is left, then restart with backoff or give up. */
  const recover = async (failures: number): Promise<number | undefined> => {
    const failed = store.current();
    await engine.stop(options.engineKillGraceMs);
    const readyForMs = readySinceMs === undefined ? undefined : failed.sinceMs - readySinceMs;
    const inARow = failuresInARow(failures, readyForMs, options.restartPolicy);
    const decision = decideRestart(options.restartPolicy, inARow, options.rng);
    if (decision.kind === 'give-up') {
      store.dispatch({ type: 'gave-up', atMs: now(), restarts: decision.restarts });
      logger.error('giving up on the engine', { detail: store.current().detail });
      return undefined;
    }
    store.dispatch({
      type: 'restart-scheduled',
      atMs: now(),
      attempt: decision.attempt,
      maxAttempts: options.restartPolicy.maxRestarts,
      delayMs: decision.delayMs,
    });
    logger.warn('engine restart scheduled', {
      attempt: decision.attempt,
      maxAttempts: options.restartPolicy.maxRestarts,
      delayMs: decision.delayMs,
      cause: failed.cause,
    });
    try {
      await options.sleep(decision.delayMs, drained.signal);
    } catch {
      return undefined;
    }
    readySinceMs = undefined;
    options.onRestart?.();
    return store.dispatch({ type: 'restarting', atMs: now() }) ? inARow : undefined;
  };

  return {
    status: () => store.current(),
    enginePid: () => engine.pid(),
    async start() {
      let failures: number | undefined = 0;
      while (failures !== undefined) {
        await startEngine();
        // Sleep and wake happen in between; only a failure or a drain ends this incarnation.
        const ended = await store.until((s) => s.state === 'failed' || s.state === 'draining');
        if (ended.state !== 'failed') return;
        failures = await recover(failures);
      }
    },
    reportUnhealthy(reason) {
      if (store.dispatch({ type: 'unhealthy', atMs: now(), reason })) {
        logger.error('watchdog: engine unhealthy', { reason });
      }
    },
    async sleepEngine(reason) {
      // Synchronous with the idleness check: no request can be admitted in between.
      if (!store.dispatch({ type: 'sleep-started', atMs: now(), reason })) return;
      if (options.sleepMode === undefined) return engine.stop(options.engineKillGraceMs);
      const slept = await options.sleepMode.sleep(AbortSignal.timeout(options.startupTimeoutMs));
      if (!slept.ok) {
        store.dispatch({ type: 'unhealthy', atMs: now(), reason: `sleep failed: ${slept.reason}` });
      }
    },
    wake() {
      if (!store.dispatch({ type: 'wake-requested', atMs: now() })) return store.current().state;
      const { sleepMode } = options;
      const woken =
        sleepMode === undefined
          ? startEngine()
          : bringUpWith((_deadline, signal) => sleepMode.wakeUp(signal), options.wakeCheck);
      void woken;
      return store.current().state;
    },
    requestDrain(reason) {
      store.dispatch({ type: 'drain-requested', atMs: now(), reason });
      drained.abort();
    },
    async stopEngine() {
      await engine.stop(options.engineKillGraceMs);
      store.dispatch({ type: 'engine-stopped', atMs: now() });
    },
    killEngineNow: () => engine.killNow(),
  };
}
