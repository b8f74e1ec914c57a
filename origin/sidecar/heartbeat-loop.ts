export interface HeartbeatLoop {
  /** Beats as soon as the current beat (if any) finishes; resolves after that beat. */
  pulse: () => Promise<void>;
  /** Stops the schedule, waits for a running beat, then beats once more (the final word). */
  stop(): Promise<void>;
}

export interface HeartbeatLoopOptions {
  intervalMs: number;
  /** One heartbeat; must not throw. */
  beat: () => Promise<void>;
}

/**
 * Beats one at a time, never concurrently, so the edge receives heartbeats in the order their
 * states happened: a `draining` sent by `pulse()` can never be overtaken by an older `ready`.
 */
export function startHeartbeatLoop({ intervalMs, beat }: HeartbeatLoopOptions): HeartbeatLoop {
  let stopped = false;
  let wake: (() => void) | undefined;
  let pulseWaiters: (() => void)[] = [];

  const waitForNextBeat = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, intervalMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const run = async (): Promise<void> => {
    while (!stopped) {
      // Pulses registered before this beat started are answered by it.
      const answered = pulseWaiters;
      pulseWaiters = [];
      await beat();
      for (const resolve of answered) resolve();
      if (stopped || pulseWaiters.length > 0) continue;
      await waitForNextBeat();
      wake = undefined;
    }
  };
  const running = run();

  return {
    pulse() {
      if (stopped) return Promise.resolve();
      return new Promise<void>((resolve) => {
        pulseWaiters.push(resolve);
        wake?.();
      });
    },
    async stop() {
      stopped = true;
      wake?.();
      await running;
      const waiting = pulseWaiters;
      pulseWaiters = [];
      await beat();
      for (const resolve of waiting) resolve();
    },
  };
}
