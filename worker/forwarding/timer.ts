import type { Timer } from '../core/timed-reader';

/**
 * The shell's one-shot timer. Timers only bound waits on the engine; nothing in the request path
 * sleeps (STYLE "Asynchrony"). Cancel it when the awaited thing wins the race.
 */
export function startTimer(ms: number): Timer {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<void>((resolve) => {
    handle = setTimeout(resolve, ms);
  });
  return { expired, cancel: () => handle !== undefined && clearTimeout(handle) };
}
