import { describe, expect, it } from 'vitest';
import type { StartupStep } from '../../../origin/sidecar/supervisor';
import { manualStep, settle, supervisorSetup as setup } from './support/supervisor-kit';

describe('createSupervisor: start-up', () => {
  it('goes starting → warming → ready only after the warm-up generation succeeds', async () => {
    const health = manualStep();
    const warm = manualStep();
    const { supervisor, changes, logs, tick } = setup({
      waitForEngine: health.step,
      warmUp: warm.step,
    });
    void supervisor.start();
    expect(supervisor.status().state).toBe('starting');
    expect(supervisor.enginePid()).toBe(700);

    tick(4_000);
    health.finish({ ok: true });
    await settle();
    expect(supervisor.status().state).toBe('warming');

    tick(500);
    warm.finish({ ok: true });
    await settle();
    expect(changes).toEqual(['warming', 'ready']);
    expect(
      logs.filter((l) => l.msg.startsWith('replica ')).map((l) => [l.msg, l.elapsedMs]),
    ).toEqual([
      ['replica warming', 4_000],
      ['replica ready', 4_500],
    ]);
  });

  it('reports the loading phase from the engine log while starting', () => {
    const health = manualStep();
    const { supervisor, engines } = setup({ waitForEngine: health.step });
    void supervisor.start();
    engines[0]?.say('INFO 05-01 [gpu_model_runner.py:1200] Capturing CUDA graphs (decode): 67/67');
    expect(supervisor.status()).toMatchObject({
      state: 'starting',
      detail: 'capturing CUDA graphs',
    });
    engines[0]?.say('some unrelated line');
    expect(supervisor.status().detail).toBe('capturing CUDA graphs');
  });

  it('abandons start-up when the engine dies while loading', async () => {
    const health = manualStep();
    const { supervisor, engines, logs } = setup({ waitForEngine: health.step });
    void supervisor.start();
    engines[0]?.crash({ code: 1, signal: null });
    await settle();
    expect(health.signal()?.aborted).toBe(true);
    expect(logs.find((l) => l.msg === 'replica failed')).toMatchObject({
      level: 'info',
      detail: 'engine exited unexpectedly with code 1',
    });
  });
});

describe('createSupervisor: failure and restart', () => {
  it('stops a half-started engine that never produced a token, then restarts it', async () => {
    let attempts = 0;
    const warmUp: StartupStep = () =>
      Promise.resolve(
        ++attempts === 1 ? { ok: false, reason: 'generation produced no token' } : { ok: true },
      );
    const { supervisor, engines, changes, backoffsMs } = setup({ warmUp });
    void supervisor.start();
    await settle();
    expect(engines.map((e) => e.stops)).toEqual([[3_000], []]);
    expect(changes).toEqual(['warming', 'failed', 'starting', 'warming', 'ready']);
    // Equal jitter at rng 0.5: three quarters of the 1 s base backoff.
    expect(backoffsMs).toEqual([750]);
  });

  it('restarts an engine that dies while ready, and serves again', async () => {
    const { supervisor, engines, changes } = setup();
    void supervisor.start();
    await settle();
    engines[0]?.crash({ code: 137, signal: null });
    await settle();
    expect(changes).toEqual(['warming', 'ready', 'failed', 'starting', 'warming', 'ready']);
    expect(engines).toHaveLength(2);
    expect(supervisor.enginePid()).toBe(701);
  });

  it('backs off exponentially in a crash loop and gives up with the reason', async () => {
    const warmUp: StartupStep = () => Promise.resolve({ ok: false, reason: 'CUDA out of memory' });
    const { supervisor, engines, backoffsMs, logs } = setup({ warmUp });
    await supervisor.start();
    expect(engines).toHaveLength(4);
    expect(backoffsMs).toEqual([750, 1_500, 3_000]);
    expect(supervisor.status()).toMatchObject({
      state: 'failed',
      detail: 'gave up after 3 restarts in a row; last failure: CUDA out of memory',
    });
    expect(logs.find((l) => l.msg === 'giving up on the engine')).toMatchObject({ level: 'error' });
    expect(engines.every((e) => e.stops.length === 1)).toBe(true);
  });

  it('announces the coming restart in the detail while it waits', async () => {
    const warmUp: StartupStep = () => Promise.resolve({ ok: false, reason: 'boom' });
    const details: (string | undefined)[] = [];
    const { supervisor } = setup({
      warmUp,
      sleep: () => {
        details.push(supervisor.status().detail);
        return Promise.resolve();
      },
    });
    await supervisor.start();
    expect(details[0]).toBe('restart 1/3 in 0.8 s after: boom');
  });

  it('counts from one again after the replica stayed ready long enough', async () => {
    const { supervisor, engines, backoffsMs, tick } = setup();
    void supervisor.start();
    await settle();
    for (let crash = 0; crash < 5; crash++) {
      tick(61_000);
      engines.at(-1)?.crash({ code: 1, signal: null });
      await settle();
    }
    expect(backoffsMs).toEqual([750, 750, 750, 750, 750]);
    expect(supervisor.status().state).toBe('ready');
  });

  it('turns a watchdog verdict on a ready replica into failed, stops the engine and restarts', async () => {
    const { supervisor, engines, changes } = setup();
    void supervisor.start();
    await settle();
    supervisor.reportUnhealthy('engine stalled: 3 running, 0 waiting, no new tokens for 5.0 s');
    await settle();
    expect(engines[0]?.stops).toEqual([3_000]);
    expect(changes.slice(1, 4)).toEqual(['ready', 'failed', 'starting']);
    expect(supervisor.status().state).toBe('ready');
  });

  it('drains during a restart wait without launching again', async () => {
    const warmUp: StartupStep = () => Promise.resolve({ ok: false, reason: 'boom' });
    let requestDrain: () => void = () => undefined;
    const { supervisor, engines } = setup({
      warmUp,
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(new Error('drained')));
          requestDrain();
        }),
    });
    requestDrain = () => supervisor.requestDrain('SIGTERM');
    await supervisor.start();
    expect(engines).toHaveLength(1);
    expect(supervisor.status().state).toBe('draining');
  });
});

describe('createSupervisor: drain', () => {
  it('drains during start-up, then stops without reporting the requested exit as a failure', async () => {
    const health = manualStep();
    const { supervisor, engines, changes } = setup({ waitForEngine: health.step });
    const started = supervisor.start();
    supervisor.requestDrain('SIGTERM');
    await started;
    expect(health.signal()?.aborted).toBe(true);
    await supervisor.stopEngine();
    await settle();
    expect(engines[0]?.stops).toEqual([3_000]);
    expect(changes).toEqual(['draining', 'stopped']);
  });
});
