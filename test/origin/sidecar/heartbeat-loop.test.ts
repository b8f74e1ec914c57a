import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startHeartbeatLoop } from '../../../origin/sidecar/heartbeat-loop';

/** A beat that takes `durationMs` and records when it ran and whether beats overlapped. */
function recordingBeat(durationMs: number, label: () => string) {
  const beats: { atMs: number; label: string }[] = [];
  let active = 0;
  let overlapped = false;
  const beat = async (): Promise<void> => {
    active += 1;
    if (active > 1) overlapped = true;
    beats.push({ atMs: Date.now(), label: label() });
    if (durationMs > 0) await new Promise((resolve) => setTimeout(resolve, durationMs));
    active -= 1;
  };
  return { beat, beats, overlapped: () => overlapped };
}

/** Stops the loop while fake time runs, so a slow final beat can finish. */
async function stopWithTimers(loop: { stop: () => Promise<void> }): Promise<void> {
  const stopped = loop.stop();
  await vi.advanceTimersByTimeAsync(1_000);
  await stopped;
}

describe('startHeartbeatLoop', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('beats at once and then every interval', async () => {
    const { beat, beats } = recordingBeat(0, () => 'tick');
    const loop = startHeartbeatLoop({ intervalMs: 1_000, beat });
    await vi.advanceTimersByTimeAsync(3_500);
    expect(beats.map((b) => b.atMs)).toEqual([0, 1_000, 2_000, 3_000]);
    await stopWithTimers(loop);
  });

  it('answers a pulse with a beat right away instead of waiting for the interval', async () => {
    let state = 'starting';
    const { beat, beats } = recordingBeat(0, () => state);
    const loop = startHeartbeatLoop({ intervalMs: 1_000, beat });
    await vi.advanceTimersByTimeAsync(100);
    state = 'draining';
    const pulsed = loop.pulse();
    await vi.advanceTimersByTimeAsync(0);
    await pulsed;
    expect(beats).toEqual([
      { atMs: 0, label: 'starting' },
      { atMs: 100, label: 'draining' },
    ]);
    await stopWithTimers(loop);
  });

  it('never runs two beats at once, so a pulse during a slow beat follows it', async () => {
    let state = 'ready';
    const slow = recordingBeat(500, () => state);
    const loop = startHeartbeatLoop({ intervalMs: 1_000, beat: slow.beat });
    await vi.advanceTimersByTimeAsync(100);
    state = 'draining';
    const pulsed = loop.pulse();
    await vi.advanceTimersByTimeAsync(1_000);
    await pulsed;
    expect(slow.overlapped()).toBe(false);
    expect(slow.beats.slice(0, 2)).toEqual([
      { atMs: 0, label: 'ready' },
      { atMs: 500, label: 'draining' },
    ]);
    await stopWithTimers(loop);
  });

  it('sends one final beat on stop and none after it', async () => {
    let state = 'draining';
    const { beat, beats } = recordingBeat(0, () => state);
    const loop = startHeartbeatLoop({ intervalMs: 1_000, beat });
    await vi.advanceTimersByTimeAsync(200);
    state = 'stopped';
    await loop.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(beats).toEqual([
      { atMs: 0, label: 'draining' },
      { atMs: 200, label: 'stopped' },
    ]);
    await expect(loop.pulse()).resolves.toBeUndefined();
    expect(beats).toHaveLength(2);
  });
});
