import type { BatchState } from './latency';

/** What a running request holds besides its slot (its KV-cache blocks); freed with the slot. */
export interface Reservation {
  release(): void;
}

/** One running sequence's place in the batch. */
export interface Slot<T extends Reservation> {
  readonly reservation: T;
  /** Frees the slot and its reservation and admits whoever waits next. Idempotent. */
  release(): void;
}

/**
 * The outcome of asking for a slot: turned away at once because the waiting queue is full, or
 * queued (possibly admitted at once). `slot` resolves `undefined` if the signal aborts first.
 */
export type Ticket<T extends Reservation> =
  { kind: 'queue-full' } | { kind: 'queued'; slot: Promise<Slot<T> | undefined> };

export interface SchedulerOptions {
  /** `--max-num-seqs`: sequences generating at once. */
  maxRunning: number;
  /** Requests that may wait; beyond it new ones are turned away. Unbounded when undefined. */
  maxWaiting?: number | undefined;
}

/**
 * vLLM's running/waiting split with first-come-first-served admission: a request runs when a slot
 * is free *and* its reservation (KV blocks) can be made; otherwise it waits in arrival order, and
 * the head of the queue blocks the ones behind it, as in vLLM's FCFS policy. A request that aborts
 * while waiting leaves the queue at once, so a disconnected client never takes a slot.
 */
export interface Scheduler {
  enqueue<T extends Reservation>(signal: AbortSignal, reserve: () => T | undefined): Ticket<T>;
  stats(): BatchState;
  /** Resolves once nothing is running or waiting (used to drain on shutdown). */
  whenIdle(): Promise<void>;
}

interface Waiter {
  /** Starts the request if its reservation can be made now; true when it did. */
  tryStart(): boolean;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const running = new Set<symbol>();
  const waiting: Waiter[] = [];
  let idleListeners: (() => void)[] = [];

  const notifyIfIdle = (): void => {
    if (running.size > 0 || waiting.length > 0) return;
    const listeners = idleListeners;
    idleListeners = [];
    listeners.forEach((listener) => listener());
  };

  const admitWaiting = (): void => {
    while (running.size < options.maxRunning && waiting[0]?.tryStart() === true) waiting.shift();
    notifyIfIdle();
  };

  const startSlot = <T extends Reservation>(reservation: T): Slot<T> => {
    const key = Symbol('slot');
    running.add(key);
    return {
      reservation,
      release: () => {
        if (!running.delete(key)) return;
        reservation.release();
        admitWaiting();
      },
    };
  };

  const enqueue = <T extends Reservation>(
    signal: AbortSignal,
    reserve: () => T | undefined,
  ): Ticket<T> => {
    if (signal.aborted) return { kind: 'queued', slot: Promise.resolve(undefined) };
    if (waiting.length === 0 && running.size < options.maxRunning) {
      const reservation = reserve();
      if (reservation !== undefined) {
        return { kind: 'queued', slot: Promise.resolve(startSlot(reservation)) };
      }
    }
    if (options.maxWaiting !== undefined && waiting.length >= options.maxWaiting) {
      return { kind: 'queue-full' };
    }
    let resolve: (slot: Slot<T> | undefined) => void = () => undefined;
    const slot = new Promise<Slot<T> | undefined>((settle) => (resolve = settle));
    const onAbort = (): void => {
      const at = waiting.indexOf(waiter);
      if (at !== -1) waiting.splice(at, 1);
      resolve(undefined);
      // The head may have been what blocked the others.
      admitWaiting();
    };
    const waiter: Waiter = {
      tryStart: () => {
        const reservation = reserve();
        if (reservation === undefined) return false;
        signal.removeEventListener('abort', onAbort);
        resolve(startSlot(reservation));
        return true;
      },
    };
    waiting.push(waiter);
    signal.addEventListener('abort', onAbort, { once: true });
    return { kind: 'queued', slot };
  };

  return {
    enqueue,
    stats: () => ({ running: running.size, waiting: waiting.length }),
    whenIdle: () =>
      new Promise<void>((resolve) => {
        idleListeners.push(resolve);
        notifyIfIdle();
      }),
  };
}
