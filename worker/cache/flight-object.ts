import { DurableObject } from 'cloudflare:workers';
import type { FlightRole } from '../ports';

/**
 * `CACHE_FLIGHT`: one Durable Object per exact-cache key, making identical cacheable requests in
 * flight at the same time one upstream call (single flight). The first to join leads; the others
 * wait here for the leader's answer. A Durable Object runs one event at a time, so "first" is
 * exact; waiting on a plain promise does not close the input gate, so followers keep arriving.
 *
 * Nothing is stored: a flight lives only as long as its requests. A leader that never finishes
 * (its isolate died) is replaced after `waitMs`, and no follower waits longer than that.
 */
export class CacheFlight extends DurableObject {
  private leader: { requestId: string; sinceMs: number } | undefined;
  private waiters: ((answer: string | undefined) => void)[] = [];

  join(requestId: string, waitMs: number): Promise<FlightRole> {
    const nowMs = Date.now();
    if (this.leader === undefined || nowMs - this.leader.sinceMs >= waitMs) {
      this.release(undefined);
      this.leader = { requestId, sinceMs: nowMs };
      return Promise.resolve({ role: 'leader' });
    }
    return new Promise((resolve) => {
      const done = (answer: string | undefined) => {
        clearTimeout(timer);
        resolve({ role: 'follower', answer });
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        done(undefined);
      }, waitMs);
      this.waiters.push(done);
    });
  }

  /** Only the current leader can end the flight; a late call from a replaced one is ignored. */
  finish(requestId: string, answer: string | undefined): void {
    if (this.leader?.requestId !== requestId) return;
    this.leader = undefined;
    this.release(answer);
  }

  /** How many followers wait: for tests and diagnostics. */
  waiting(): number {
    return this.waiters.length;
  }

  private release(answer: string | undefined) {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake(answer);
  }
}
