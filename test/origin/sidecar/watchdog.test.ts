import { describe, expect, it } from 'vitest';
import type { EngineMetricsSample } from '../../../origin/sidecar/metrics-parser';
import type { ProbeResult } from '../../../origin/sidecar/readiness';
import type { ReplicaStatus } from '../../../origin/sidecar/state-machine';
import { createWatchdog } from '../../../origin/sidecar/watchdog';
import { captureLogs } from './support/test-logger';

function setup(samples: (EngineMetricsSample | undefined)[]) {
  let nowMs = 0;
  let status: ReplicaStatus = { state: 'ready', sinceMs: 0 };
  let scrapes = 0;
  const canaries: { signal: AbortSignal; answer: (r: ProbeResult) => void }[] = [];
  const verdicts: string[] = [];
  const canaryOutcomes: boolean[] = [];
  const { logger } = captureLogs();
  const watchdog = createWatchdog({
    clock: { nowMs: () => nowMs },
    sleep: () => Promise.resolve(),
    logger,
    intervalMs: 1_000,
    policy: { stallMs: 3_000, canaryIntervalMs: 4_000 },
    canaryTimeoutMs: 50,
    getStatus: () => status,
    scrape: () => Promise.resolve(samples[Math.min(scrapes++, samples.length - 1)]),
    canary: (signal) => new Promise((answer) => canaries.push({ signal, answer })),
    onUnhealthy: (reason) => verdicts.push(reason),
    onCanary: (_seconds, ok) => canaryOutcomes.push(ok),
  });
  /** One watchdog round `ms` later. */
  const step = async (ms = 1_000) => {
    nowMs += ms;
    await watchdog.check();
  };
  return {
    step,
    verdicts,
    canaries,
    canaryOutcomes,
    scrapes: () => scrapes,
    setStatus: (next: ReplicaStatus) => (status = next),
  };
}

const busy = (generated: number): EngineMetricsSample => ({
  running: 2,
  waiting: 0,
  generationTokensTotal: generated,
  promptTokensTotal: 50,
});

describe('createWatchdog', () => {
  it('watches only a ready replica', async () => {
    const { step, setStatus, scrapes } = setup([busy(1)]);
    setStatus({ state: 'warming', sinceMs: 0 });
    await step();
    await step();
    expect(scrapes()).toBe(0);
  });

  it('reports a hung engine once per ready period', async () => {
    const { step, verdicts } = setup([busy(10), busy(20), busy(20)]);
    for (let i = 0; i < 8; i++) await step();
    expect(verdicts).toEqual(['engine stalled: 2 running, 0 waiting, no new tokens for 3.0 s']);
  });

  it('starts from a clean state in every new ready period', async () => {
    const { step, verdicts, setStatus } = setup([busy(10)]);
    for (let i = 0; i < 5; i++) await step();
    expect(verdicts).toHaveLength(1);
    setStatus({ state: 'ready', sinceMs: 5_000 });
    await step();
    await step();
    expect(verdicts).toHaveLength(1);
    for (let i = 0; i < 3; i++) await step();
    expect(verdicts).toHaveLength(2);
  });

  it('sends a canary to an idle engine and fails it when the canary fails', async () => {
    const idle = { running: 0, waiting: 0, generationTokensTotal: 5, promptTokensTotal: 5 };
    const { step, canaries, verdicts, canaryOutcomes } = setup([idle]);
    // The ready period is first seen at t = 1 s; the canary is due 4 s later.
    for (let i = 0; i < 4; i++) await step();
    expect(canaries).toHaveLength(0);
    await step();
    expect(canaries).toHaveLength(1);
    await step();
    expect(canaries).toHaveLength(1);
    canaries[0]?.answer({ ok: false, reason: 'generation timed out' });
    await Promise.resolve();
    await Promise.resolve();
    expect(verdicts).toEqual(['canary failed: generation timed out']);
    expect(canaryOutcomes).toEqual([false]);
  });

  it('gives each canary a hard timeout', async () => {
    const idle = { running: 0, waiting: 0, generationTokensTotal: 5 };
    const { step, canaries } = setup([idle]);
    for (let i = 0; i < 5; i++) await step();
    const signal = canaries[0]?.signal;
    expect(signal?.aborted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(signal?.aborted).toBe(true);
  });

  it('keeps watching the counters while a canary hangs', async () => {
    const idle = { running: 0, waiting: 0, generationTokensTotal: 5 };
    const hung = { running: 1, waiting: 0, generationTokensTotal: 5 };
    const { step, canaries, verdicts } = setup([idle, idle, idle, idle, idle, hung]);
    for (let i = 0; i < 5; i++) await step();
    expect(canaries).toHaveLength(1);
    for (let i = 0; i < 3; i++) await step();
    expect(verdicts).toEqual(['engine stalled: 1 running, 0 waiting, no new tokens for 3.0 s']);
  });
});
