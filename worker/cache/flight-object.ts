import { DurableObject } from 'cloudflare:workers';
import type { FlightRole } from '../ports';

interface Flight {
  leader: { requestId: string; sinceMs: number };
  waiters: ((answer: string | undefined) => void)[];
}

/**
 * `CACHE_FLIGHT`: single flight for identical cacheable requests (one upstream call for all those
 * in flight at once). Each object holds the flights of one shard of cache keys
 * (`flightShard`): a warm object per shard instead of a new one per key, whose creation would
 * cost every miss more than the flight saves. The first request to join a key leads; the others
 * wait here for the leader's answer. A Durable Object runs one event at a time, so "first" is
 * exact; waiting on a plain promise does not close the input gate, so followers keep arriving.
 *
 * Nothing is stored: a flight lives only as long as its requests. A leader that never finishes
 * (its isolate died) is replaced after `waitMs`, and no follower waits longer than that.
 */
export class CacheFlight extends DurableObject {
  private readonly flights = new Map<string, Flight>();

  join(key: string, requestId: string, waitMs: number): Promise<FlightRole> {
    const nowMs = Date.now();
    const flight = this.flights.get(key);
    if (flight === undefined || nowMs - flight.leader.sinceMs >= waitMs) {
      if (flight !== undefined) this.release(key, undefined);
      this.flights.set(key, { leader: { requestId, sinceMs: nowMs }, waiters: [] });
      return Promise.resolve({ role: 'leader' });
    }
    return new Promise((resolve) => {
      const done = (answer: string | undefined) => {
        clearTimeout(timer);
        resolve({ role: 'follower', answer });
      };
      const timer = setTimeout(() => {
        flight.waiters = flight.waiters.filter((w) => w !== done);
        done(undefined);
      }, waitMs);
      flight.waiters.push(done);
    });
  }

  /** Only the key's current leader can end its flight; a late call from a replaced one is ignored. */
  finish(key: string, requestId: string, answer: string | undefined): void {
    if (this.flights.get(key)?.leader.requestId !== requestId) return;
    this.release(key, answer);
  }

  /** How many followers wait on the key: for tests and diagnostics. */
  waiting(key: string): number {
    return this.flights.get(key)?.waiters.length ?? 0;
  }

  private release(key: string, answer: string | undefined) {
    const flight = this.flights.get(key);
    this.flights.delete(key);
    for (const wake of flight?.waiters ?? []) wake(answer);
  }
}
