/** Counts proxied requests whose response has not finished, so a drain knows when to stop. */
export interface InFlight {
  count(): number;
  /** Registers one request; the returned release is idempotent. */
  acquire(): () => void;
  /** Resolves when no request is in flight (immediately if none is). */
  whenIdle(): Promise<void>;
}

export function createInFlight(): InFlight {
  let count = 0;
  let idleWaiters: (() => void)[] = [];

  const release = (): void => {
    count -= 1;
    if (count > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  return {
    count: () => count,
    acquire() {
      count += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release();
      };
    },
    whenIdle() {
      if (count === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
