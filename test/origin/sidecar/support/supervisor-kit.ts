import type { EngineExit, EngineProcess } from '../../../../origin/sidecar/engine-process';
import type { ProbeResult } from '../../../../origin/sidecar/readiness';
import type { ReplicaStatus } from '../../../../origin/sidecar/state-machine';
import {
  createSupervisor,
  type StartupStep,
  type SupervisorOptions,
} from '../../../../origin/sidecar/supervisor';
import { captureLogs } from './test-logger';

/** An engine whose exit the test decides; `say` writes a line of its log. */
export function fakeEngine(pid: number, onLine: (line: string) => void) {
  let exit: (result: EngineExit) => void = () => undefined;
  const stops: number[] = [];
  const engine: EngineProcess = {
    pid,
    exited: new Promise<EngineExit>((resolve) => (exit = resolve)),
    stop: (graceMs) => {
      stops.push(graceMs);
      exit({ code: null, signal: 'SIGTERM' });
      return engine.exited;
    },
    killNow: () => undefined,
  };
  return { engine, stops, crash: (result: EngineExit) => exit(result), say: onLine };
}

/** A start-up step the test completes by hand; it also records the signal it was given. */
export function manualStep() {
  let finish: (result: ProbeResult) => void = () => undefined;
  const signals: AbortSignal[] = [];
  const step: StartupStep = (_deadlineMs, stepSignal) => {
    signals.push(stepSignal);
    return new Promise<ProbeResult>((resolve) => {
      finish = resolve;
      stepSignal.addEventListener('abort', () => resolve({ ok: false, reason: 'abandoned' }));
    });
  };
  /** `signal()` is the first call's: the incarnation a test is usually about. */
  return { step, finish: (result: ProbeResult) => finish(result), signal: () => signals[0] };
}

export const ok: StartupStep = () => Promise.resolve({ ok: true });
/** Lets every pending promise chain and immediate run. */
export const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** A supervisor over fake engines, instant backoff (recorded) and a manual clock. */
export function supervisorSetup(overrides: Partial<SupervisorOptions> = {}) {
  const engines: ReturnType<typeof fakeEngine>[] = [];
  const changes: ReplicaStatus['state'][] = [];
  const backoffsMs: number[] = [];
  const { logger, records } = captureLogs();
  let nowMs = 1_000;
  const supervisor = createSupervisor({
    clock: { nowMs: () => nowMs },
    rng: { next: () => 0.5 },
    sleep: (ms, signal) => {
      backoffsMs.push(ms);
      return signal?.aborted === true ? Promise.reject(new Error('aborted')) : Promise.resolve();
    },
    logger,
    launch: (onLine) => {
      const engine = fakeEngine(700 + engines.length, onLine);
      engines.push(engine);
      return engine.engine;
    },
    waitForEngine: ok,
    warmUp: ok,
    wakeCheck: ok,
    sleepMode: undefined,
    startupTimeoutMs: 60_000,
    engineKillGraceMs: 3_000,
    restartPolicy: { baseDelayMs: 1_000, maxDelayMs: 8_000, maxRestarts: 3, stableAfterMs: 60_000 },
    progressLogIntervalMs: 60_000,
    onChange: (status) => changes.push(status.state),
    ...overrides,
  });
  const tick = (ms: number) => (nowMs += ms);
  return { supervisor, engines, changes, backoffsMs, logs: records, tick };
}
