import { createSeededRng } from '../../origin/sim/seeded-random';
import { prefixKey, renderConversation } from '../../worker/core/prefix-key';
import {
  chooseReplica,
  defaultLoadFactor,
  rendezvousScore,
} from '../../worker/core/replica-choice';
import type { InFlightCounter, ReplicaView } from '../../worker/ports';
import type { ScheduledRequest } from './workload';

/**
 * The placements compared. Each decides at send time from what an edge isolate knows: its own
 * in-flight counts and (for affinity) the pool snapshot. `affinity` is the edge's real code —
 * `prefixKey` over `renderConversation`, as worker/routes/v1.ts calls it, and `chooseReplica`
 * with the inputs worker/forwarding/forward.ts gives it (so c is the edge's default).
 * `affinity-c1.25` and `affinity-c2` are the same call with the load bound c = 1.25 and 2 (the
 * edge's `LOAD_FACTOR`): sensitivity rows showing what a tighter bound costs in cache hits and a
 * looser one in balance.
 */

export type PolicyName =
  'round-robin' | 'least-loaded' | 'affinity-c1.25' | 'affinity' | 'affinity-c2';
export const policyNames: readonly PolicyName[] = [
  'round-robin',
  'least-loaded',
  'affinity-c1.25',
  'affinity',
  'affinity-c2',
];

const loadFactors: Partial<Record<PolicyName, number>> = {
  affinity: defaultLoadFactor,
  'affinity-c1.25': 1.25,
  'affinity-c2': 2,
};

export interface RoutingState {
  replicaIds: readonly string[];
  inFlight: InFlightCounter;
  snapshot: (nowMs: number) => ReplicaView[];
  model: string;
  /** worker/bindings.ts `HEARTBEAT_STALE_MS` default. */
  staleMs: number;
}

export interface Placement {
  replicaId: string;
  /**
   * Affinity only: sent past its first-ranked replica because the load bound skipped it (such a
   * request likely misses the cache where it lands).
   */
  spilled?: boolean;
}

export type Router = (request: ScheduledRequest, nowMs: number) => Placement;

export function createRouter(name: PolicyName, state: RoutingState, seed: number): Router {
  const rng = createSeededRng(seed);
  const ids = state.replicaIds;
  switch (name) {
    case 'round-robin': {
      let next = 0;
      return () => ({ replicaId: ids[next++ % ids.length] ?? '' });
    }
    case 'least-loaded':
      // Fewest requests in flight from this client; ties at random (seeded).
      return () => {
        const loads = ids.map((id) => ({ id, load: state.inFlight.get(id), tie: rng.next() }));
        loads.sort((a, b) => a.load - b.load || a.tie - b.tie);
        return { replicaId: loads[0]?.id ?? '' };
      };
    case 'affinity-c1.25':
    case 'affinity':
    case 'affinity-c2':
      return (request, nowMs) => {
        const replicas = state.snapshot(nowMs);
        const key = prefixKey(state.model, renderConversation(request.messages));
        const result = chooseReplica({
          replicas,
          model: state.model,
          prefixKey: key,
          nowMs,
          staleMs: state.staleMs,
          inFlight: (id) => state.inFlight.get(id),
          rng,
          loadFactor: loadFactors[name],
        });
        if (result.kind !== 'chosen') throw new Error(`chooseReplica: ${result.kind}`);
        const first = replicas.reduce((best, r) =>
          rendezvousScore(key, r.replicaId) > rendezvousScore(key, best.replicaId) ? r : best,
        );
        const replicaId = result.replica.replicaId;
        return { replicaId, spilled: first.replicaId !== replicaId };
      };
  }
}
