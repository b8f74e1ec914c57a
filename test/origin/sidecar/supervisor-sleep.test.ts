import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../../origin/sidecar/readiness';
import type { EngineSleepMode } from '../../../origin/sidecar/supervisor';
import { manualStep, settle, supervisorSetup as setup } from './support/supervisor-kit';

describe('createSupervisor: sleep and wake', () => {
  function sleepMode(result: ProbeResult = { ok: true }) {
    const calls: string[] = [];
    const mode: EngineSleepMode = {
      sleep: () => (calls.push('sleep'), Promise.resolve(result)),
      wakeUp: () => (calls.push('wake_up'), Promise.resolve({ ok: true })),
    };
    return { mode, calls };
  }

  it('sleeps the engine in vLLM sleep mode and wakes it with wake_up and a canary', async () => {
    const { mode, calls } = sleepMode();
    const wakeCheck = manualStep();
    const { supervisor, engines, changes } = setup({ sleepMode: mode, wakeCheck: wakeCheck.step });
    void supervisor.start();
    await settle();
    await supervisor.sleepEngine('idle for 600.0 s');
    expect(supervisor.status()).toMatchObject({ state: 'sleeping', detail: 'idle for 600.0 s' });

    expect(supervisor.wake()).toBe('waking');
    await settle();
    expect(supervisor.status().state).toBe('waking');
    wakeCheck.finish({ ok: true });
    await settle();
    expect(calls).toEqual(['sleep', 'wake_up']);
    expect(changes).toEqual(['warming', 'ready', 'sleeping', 'waking', 'ready']);
    expect(engines).toHaveLength(1);
    expect(engines[0]?.stops).toEqual([]);
  });

  it('stops the engine to sleep without sleep mode, and starts a new one to wake', async () => {
    const { supervisor, engines, changes } = setup();
    void supervisor.start();
    await settle();
    await supervisor.sleepEngine('idle');
    await settle();
    expect(engines[0]?.stops).toEqual([3_000]);
    expect(supervisor.status().state).toBe('sleeping');

    supervisor.wake();
    await settle();
    expect(engines).toHaveLength(2);
    expect(changes).toEqual(['warming', 'ready', 'sleeping', 'waking', 'ready']);
  });

  it('fails (and restarts) when the engine refuses to sleep', async () => {
    const { mode } = sleepMode({ ok: false, reason: '/sleep?level=1 answered 404' });
    const { supervisor, changes } = setup({ sleepMode: mode });
    void supervisor.start();
    await settle();
    await supervisor.sleepEngine('idle');
    await settle();
    expect(changes.slice(2, 4)).toEqual(['sleeping', 'failed']);
    expect(supervisor.status().state).toBe('ready');
  });

  it('ignores a wake unless sleeping, and a sleep unless ready', async () => {
    const health = manualStep();
    const { supervisor, changes } = setup({ waitForEngine: health.step });
    void supervisor.start();
    expect(supervisor.wake()).toBe('starting');
    await supervisor.sleepEngine('idle');
    expect(changes).toEqual([]);
  });
});
