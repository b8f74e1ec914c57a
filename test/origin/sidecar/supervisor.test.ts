import { describe, expect, it } from 'vitest';
import type { EngineExit, EngineProcess } from '../../../origin/sidecar/engine-process';
import type { ProbeResult } from '../../../origin/sidecar/readiness';
import type { ReplicaStatus } from '../../../origin/sidecar/state-machine';
import { createSupervisor, type StartupStep } from '../../../origin/sidecar/supervisor';
import { captureLogs } from './support/test-logger';

/** An engine whose exit the test decides. */
function fakeEngine() {
  let exit: (result: EngineExit) => void = () => undefined;
  const stops: number[] = [];
  const engine: EngineProcess = {
    pid: 777,
    exited: new Promise<EngineExit>((resolve) => (exit = resolve)),
    stop: (graceMs) => {
      stops.push(graceMs);
      exit({ code: null, signal: 'SIGTERM' });
      return engine.exited;
    },
    killNow: () => undefined,
  };
  return { engine, stops, crash: (result: EngineExit) => exit(result) };
}

/** A start-up step the test completes by hand; it also records the signal it was given. */
function manualStep() {
  let finish: (result: ProbeResult) => void = () => undefined;
  let signal: AbortSignal | undefined;
  const step: StartupStep = (_deadlineMs, stepSignal) => {
    signal = stepSignal;
    return new Promise<ProbeResult>((resolve) => {
      finish = resolve;
      stepSignal.addEventListener('abort', () => resolve({ ok: false, reason: 'abandoned' }));
    });
  };
  return { step, finish: (result: ProbeResult) => finish(result), signal: () => signal };
}

function setup() {
  const engine = fakeEngine();
  const health = manualStep();
  const warm = manualStep();
  const changes: ReplicaStatus['state'][] = [];
  const { logger, records } = captureLogs();
  let nowMs = 1_000;
  const supervisor = createSupervisor({
    clock: { nowMs: () => nowMs },
    logger,
    launch: () => engine.engine,
    waitForEngine: health.step,
    warmUp: warm.step,
    startupTimeoutMs: 60_000,
    engineStopTimeoutMs: 3_000,
    progressLogIntervalMs: 60_000,
    onChange: (status) => changes.push(status.state),
  });
  const tick = (ms: number) => (nowMs += ms);
  return { supervisor, engine, health, warm, changes, logs: records, tick };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('createSupervisor', () => {
  it('goes starting → warming → ready only after the warm-up generation succeeds', async () => {
    const { supervisor, health, warm, changes, logs, tick } = setup();
    const started = supervisor.start();
    expect(supervisor.status().state).toBe('starting');
    expect(supervisor.enginePid()).toBe(777);

    tick(4_000);
    health.finish({ ok: true });
    await flush();
    expect(supervisor.status().state).toBe('warming');

    tick(500);
    warm.finish({ ok: true });
    await started;
    expect(changes).toEqual(['warming', 'ready']);
    expect(
      logs.filter((l) => l.msg.startsWith('replica ')).map((l) => [l.msg, l.elapsedMs]),
    ).toEqual([
      ['replica warming', 4_000],
      ['replica ready', 4_500],
    ]);
  });

  it('fails when warm-up never produces a token, and stops the half-started engine', async () => {
    const { supervisor, engine, health, warm } = setup();
    const started = supervisor.start();
    health.finish({ ok: true });
    await flush();
    warm.finish({ ok: false, reason: 'completion generated no token' });
    await started;
    expect(supervisor.status()).toMatchObject({
      state: 'failed',
      detail: 'completion generated no token',
    });
    expect(engine.stops).toEqual([3_000]);
  });

  it('fails with the exit as detail when the engine dies while ready, and stays up', async () => {
    const { supervisor, engine, health, warm, changes, logs } = setup();
    const started = supervisor.start();
    health.finish({ ok: true });
    await flush();
    warm.finish({ ok: true });
    await started;

    engine.crash({ code: 137, signal: null });
    await flush();

    expect(supervisor.status()).toMatchObject({
      state: 'failed',
      detail: 'engine exited unexpectedly with code 137',
    });
    expect(changes).toEqual(['warming', 'ready', 'failed']);
    expect(logs.find((l) => l.msg === 'engine exited')).toMatchObject({
      level: 'error',
      code: 137,
    });
  });

  it('abandons start-up when the engine dies while loading', async () => {
    const { supervisor, engine, health } = setup();
    const started = supervisor.start();
    engine.crash({ code: 1, signal: null });
    await started;
    expect(health.signal()?.aborted).toBe(true);
    expect(supervisor.status()).toMatchObject({
      state: 'failed',
      detail: 'engine exited unexpectedly with code 1',
    });
  });

  it('drains during start-up, then stops without reporting the requested exit as a failure', async () => {
    const { supervisor, engine, health, changes } = setup();
    const started = supervisor.start();
    supervisor.requestDrain('SIGTERM');
    await started;
    expect(health.signal()?.aborted).toBe(true);

    await supervisor.stopEngine();
    await flush();

    expect(engine.stops).toEqual([3_000]);
    expect(changes).toEqual(['draining', 'stopped']);
  });
});
