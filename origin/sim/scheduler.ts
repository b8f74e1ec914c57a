import type { BatchState } from './latency';

/** One running sequence's place in the batch. */
export interface Slot {
  /** Frees the slot and hands it to the next waiting request. Safe to call more than once. */
  release(): void;
  /** Tokens this sequence holds in the KV cache now (prompt plus generated so far). */
  setContextTokens(tokens: number): void;
}

export interface SchedulerStats extends BatchState {
  /** KV-cache tokens held by all running sequences. */
  contextTokens: number;
}

/**
 * vLLM's running/waiting split: at most `maxRunning` sequences (`--max-num-seqs`) generate at
 * once; the rest wait in arrival order. A request that aborts while waiting leaves the queue at
 * once, so a disconnected client never takes a slot.
 */
export interface Scheduler {
  /** Resolves with a slot when one is free, or `undefined` if `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<Slot | undefined>;
  stats(): SchedulerStats;
  /** Resolves once nothing is running or waiting (used to drain on shutdown). */
  whenIdle(): Promise<void>;
}

interface Waiter {
  grant(): void;
}

export function createScheduler(maxRunning: number): Scheduler {
  const running = new Map<symbol, number>();
  const waiting: Waiter[] = [];
  let idleListeners: (() => void)[] = [];

  const notifyIfIdle = (): void => {
    if (running.size > 0 || waiting.length > 0) return;
    const listeners = idleListeners;
    idleListeners = [];
    listeners.forEach((listener) => listener());
  };

  const startSlot = (): Slot => {
    const key = Symbol('slot');
    running.set(key, 0);
    return {
      release: () => {
        if (!running.delete(key)) return;
        const next = waiting.shift();
        if (next) next.grant();
        else notifyIfIdle();
      },
      setContextTokens: (tokens) => {
        if (running.has(key)) running.set(key, tokens);
      },
    };
  };

  return {
    acquire: (signal) =>
      new Promise((resolve) => {
        if (signal.aborted) return resolve(undefined);
        if (running.size < maxRunning && waiting.length === 0) return resolve(startSlot());
        const onAbort = (): void => {
          const at = waiting.indexOf(waiter);
          if (at !== -1) waiting.splice(at, 1);
          resolve(undefined);
          notifyIfIdle();
        };
        const waiter: Waiter = {
          grant: () => {
            signal.removeEventListener('abort', onAbort);
            resolve(startSlot());
          },
        };
        waiting.push(waiter);
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    stats: () => ({
      running: running.size,
      waiting: waiting.length,
      contextTokens: [...running.values()].reduce((sum, tokens) => sum + tokens, 0),
    }),
    whenIdle: () =>
      new Promise<void>((resolve) => {
        idleListeners.push(resolve);
        notifyIfIdle();
      }),
  };
}
