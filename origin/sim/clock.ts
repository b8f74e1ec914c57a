/**
 * Time as a port. The latency model is pure; the code that paces tokens asks this for the time and
 * for delays, so app tests can run with instant or manual time instead of real waits.
 */
export interface Clock {
  nowMs(): number;
  /**
   * Resolves `true` after `delayMs`, or `false` as soon as `signal` aborts, so an aborted request
   * never keeps a timer (or its batch slot) alive.
   */
  sleep(delayMs: number, signal: AbortSignal): Promise<boolean>;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  sleep: (delayMs, signal) =>
    new Promise<boolean>((resolve) => {
      if (signal.aborted) {
        resolve(false);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, delayMs);
      signal.addEventListener('abort', onAbort, { once: true });
    }),
};

/** Resolves when `signal` aborts: how a hung request or engine waits, holding what it holds. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
