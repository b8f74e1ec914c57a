import type { ReplicaHealth } from '../ports';
import {
  admission,
  healthyState,
  onDispatch,
  onResult,
  onRetryAfter,
  type HealthPolicy,
  type HealthState,
} from './health-state';

/**
 * This isolate's passive health of every replica it has talked to (RELIABILITY H6: health is
 * per isolate, like Kong's per node). Module-scoped in bindings.ts beside the in-flight counter.
 */
export function createReplicaHealth(policy: HealthPolicy): ReplicaHealth {
  const states = new Map<string, HealthState>();
  const get = (replicaId: string) => states.get(replicaId) ?? healthyState;
  const admits = (replicaId: string, nowMs: number) =>
    admission(get(replicaId), nowMs) !== 'closed';
  return {
    admits,
    state: get,
    dispatched(replicaId, nowMs) {
      states.set(replicaId, onDispatch(get(replicaId), nowMs));
    },
    report(replicaId, signal, nowMs, peers) {
      const othersAdmitted = peers.some((id) => id !== replicaId && admits(id, nowMs));
      states.set(replicaId, onResult(get(replicaId), signal, nowMs, policy, othersAdmitted));
    },
    retryAfter(replicaId, untilMs) {
      states.set(replicaId, onRetryAfter(get(replicaId), untilMs));
    },
  };
}
