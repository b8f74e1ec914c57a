import type { InFlightCounter } from '../ports';

/** Per-isolate in-flight counts; `acquire` returns an idempotent release function. */
export function createInFlightCounter(): InFlightCounter {
  const counts = new Map<string, number>();
  return {
    get: (replicaId) => counts.get(replicaId) ?? 0,
    acquire(replicaId) {
      counts.set(replicaId, (counts.get(replicaId) ?? 0) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const next = (counts.get(replicaId) ?? 1) - 1;
        if (next <= 0) counts.delete(replicaId);
        else counts.set(replicaId, next);
      };
    },
  };
}
