import { nextReadWait, type StreamTimeouts, type WaitExpiry } from './forwarding-policy';

/** A one-shot timer; the shell's is `setTimeout` (forwarding/timer.ts). */
export interface Timer {
  expired: Promise<void>;
  cancel(): void;
}

/** The relay's timers (RELIABILITY T1, T2, T3). */
export interface RelayTiming {
  timeouts: StreamTimeouts;
  /** Time already spent waiting for the first event before the relay started. */
  waitedForFirstMs: number;
  startTimer: (ms: number) => Timer;
  /** A timer expired: abort the engine request so no GPU generates for nobody (T3). */
  onTimeout: () => void;
}

/**
 * Reads an engine stream under the relay's timers: each read races a timer chosen by
 * `nextReadWait`. A read that loses to a keepalive tick is kept and awaited again on the next
 * call, so no bytes are lost; a read that loses to a timeout is abandoned with the stream.
 * Without timing it is a plain read.
 */
export function createTimedReader(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  timing: RelayTiming | undefined,
): { read(sawEvent: boolean): Promise<ReadableStreamReadResult<Uint8Array> | WaitExpiry> } {
  let waitedForFirstMs = timing?.waitedForFirstMs ?? 0;
  let inFlight: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  return {
    async read(sawEvent) {
      const next = (inFlight ??= reader.read());
      if (timing === undefined) {
        inFlight = undefined;
        return next;
      }
      const wait = nextReadWait(timing.timeouts, { sawEvent, waitedForFirstMs });
      const timer = timing.startTimer(wait.waitMs);
      try {
        const result = await Promise.race([next, timer.expired.then(() => wait.expiry)]);
        if (typeof result !== 'string') inFlight = undefined;
        else if (result === 'keepalive') waitedForFirstMs += wait.waitMs;
        return result;
      } catch (error) {
        inFlight = undefined;
        throw error;
      } finally {
        timer.cancel();
      }
    },
  };
}
