import { describe, expect, it } from 'vitest';
import type { EngineMetricsSample } from '../../../origin/sidecar/metrics-parser';
import {
  canaryDue,
  canarySent,
  initialStallState,
  observeCanary,
  observeMetrics,
  type StallState,
} from '../../../origin/sidecar/stall-detector';

const policy = { stallMs: 5_000, canaryIntervalMs: 10_000 };
const sample = (
  running: number,
  generated: number,
  prompt = 0,
  waiting = 0,
): EngineMetricsSample => ({
  running,
  waiting,
  generationTokensTotal: generated,
  promptTokensTotal: prompt,
});

/** Feeds scrapes taken every second from t = 0 and returns the verdicts' reasons (or 'ok'). */
function run(samples: (EngineMetricsSample | undefined)[]): string[] {
  let state: StallState = initialStallState(0);
  return samples.map((s, i) => {
    const judged = observeMetrics(state, s, (i + 1) * 1_000, policy);
    state = judged.state;
    return judged.verdict.healthy ? 'ok' : judged.verdict.reason;
  });
}

describe('observeMetrics', () => {
  it('stays healthy while tokens flow', () => {
    expect(run([1, 2, 3, 4, 5, 6, 7].map((n) => sample(4, n * 50)))).toEqual(Array(7).fill('ok'));
  });

  it('stays healthy while the engine is idle, however long', () => {
    expect(run(Array.from({ length: 12 }, () => sample(0, 100)))).toEqual(Array(12).fill('ok'));
  });

  it('declares a stall once requests run with no new token for the stall window', () => {
    const verdicts = run([
      sample(2, 100),
      sample(2, 120),
      ...Array.from({ length: 5 }, () => sample(2, 120)),
    ]);
    expect(verdicts.slice(0, 6)).toEqual(Array(6).fill('ok'));
    expect(verdicts[6]).toBe('engine stalled: 2 running, 0 waiting, no new tokens for 5.0 s');
  });

  it('counts a waiting queue that never moves as a stall too', () => {
    const verdicts = run(Array.from({ length: 7 }, () => sample(0, 100, 0, 3)));
    expect(verdicts.at(-1)).toContain('0 running, 3 waiting');
  });

  it('treats a moving prompt counter as progress (a long prefill is not a hang)', () => {
    const verdicts = run(Array.from({ length: 8 }, (_, i) => sample(1, 100, 1_000 * i)));
    expect(verdicts).toEqual(Array(8).fill('ok'));
  });

  it('treats a counter reset (engine restarted) as progress', () => {
    const verdicts = run([
      sample(1, 500),
      sample(1, 500),
      sample(1, 500),
      sample(1, 3),
      sample(1, 3),
    ]);
    expect(verdicts).toEqual(Array(5).fill('ok'));
  });

  it('declares a stall when /metrics stops answering for the window', () => {
    const verdicts = run([sample(1, 10), undefined, undefined, undefined, undefined, undefined]);
    expect(verdicts.slice(0, 5)).toEqual(Array(5).fill('ok'));
    expect(verdicts[5]).toBe('engine /metrics did not answer for 5.0 s');
  });
});

describe('canary', () => {
  it('is due only after the interval without a sign of life, and not again right after one', () => {
    let state = initialStallState(0);
    expect(canaryDue(state, 9_999, policy)).toBe(false);
    expect(canaryDue(state, 10_000, policy)).toBe(true);
    state = canarySent(state, 10_000);
    expect(canaryDue(state, 15_000, policy)).toBe(false);
    expect(canaryDue(state, 20_000, policy)).toBe(true);
  });

  it('is not due while tokens flow', () => {
    let state = initialStallState(0);
    for (let t = 1; t <= 20; t++)
      state = observeMetrics(state, sample(1, t), t * 1_000, policy).state;
    expect(canaryDue(state, 20_500, policy)).toBe(false);
  });

  it('fails the engine when a canary fails and nothing moved meanwhile', () => {
    const state = canarySent(initialStallState(0), 10_000);
    const judged = observeCanary(
      state,
      { ok: false, reason: 'generation timed out' },
      10_000,
      15_000,
    );
    expect(judged.verdict).toEqual({
      healthy: false,
      reason: 'canary failed: generation timed out',
    });
  });

  it('ignores a failed canary while tokens flowed: busy is not dead', () => {
    let state = observeMetrics(initialStallState(0), sample(8, 10), 1_000, policy).state;
    state = canarySent(state, 10_000);
    state = observeMetrics(state, sample(8, 900), 12_000, policy).state;
    const judged = observeCanary(
      state,
      { ok: false, reason: 'generation timed out' },
      10_000,
      15_000,
    );
    expect(judged.verdict).toEqual({ healthy: true });
  });

  it('counts a successful canary as a sign of life', () => {
    const judged = observeCanary(initialStallState(0), { ok: true }, 10_000, 10_050);
    expect(canaryDue(judged.state, 19_000, policy)).toBe(false);
  });
});

describe('canary judged on generated tokens only', () => {
  it('fails the engine when only the prompt counter moved while the canary hung', () => {
    let state = observeMetrics(initialStallState(0), sample(0, 10, 100), 1_000, policy).state;
    state = canarySent(state, 10_000);
    state = observeMetrics(state, sample(1, 10, 101), 11_000, policy).state;
    const judged = observeCanary(
      state,
      { ok: false, reason: 'generation timed out' },
      10_000,
      15_000,
    );
    expect(judged.verdict.healthy).toBe(false);
  });
});
