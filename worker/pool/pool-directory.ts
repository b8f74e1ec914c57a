import type { Heartbeat } from '../../contracts/heartbeat';
import type { Clock, PoolDirectory, ReplicaView } from '../ports';
import type { Pool } from './pool-object';

/** How long an isolate reuses its pool snapshot before asking the Durable Object again. */
export const snapshotTtlMs = 1_000;

export interface SnapshotCache {
  current?: { replicas: ReplicaView[]; fetchedAtMs: number };
}

/**
 * The `PoolDirectory` port over the `POOL` Durable Object. The snapshot cache is plain data kept
 * in the isolate's module scope (passed in), so each isolate asks the object about once a second.
 * Only data is shared across requests, never a promise: workerd forbids one request waiting on
 * another request's I/O.
 */
export function createPoolDirectory(
  namespace: DurableObjectNamespace<Pool>,
  clock: Clock,
  cache: SnapshotCache,
): PoolDirectory {
  const stub = () => namespace.get(namespace.idFromName('default'));
  return {
    async snapshot(options = { fresh: false }) {
      const nowMs = clock.nowMs();
      if (!options.fresh && cache.current && nowMs - cache.current.fetchedAtMs < snapshotTtlMs) {
        return cache.current.replicas;
      }
      const replicas = await stub().snapshot(nowMs);
      cache.current = { replicas, fetchedAtMs: nowMs };
      return replicas;
    },
    heartbeat(heartbeat: Heartbeat, signedAtMs: number) {
      return stub().heartbeat(heartbeat, signedAtMs, clock.nowMs());
    },
  };
}
