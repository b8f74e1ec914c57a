import { createSeededRng } from '../../origin/sim/seeded-random';
import { prefixKey, renderConversation } from '../../worker/core/prefix-key';
import { chooseReplica } from '../../worker/core/replica-choice';
import type { InFlightCounter, ReplicaView } from '../../worker/ports';
import type { ScheduledRequest } from './workload';

/**
 * The three placements compared. Each decides at send time from what an edge isolate knows: its
 * own in-flight counts and (for the policy) the pool snapshot. `affinity` is the edge's real
 * code — `prefixKey` over `renderConversation`, as worker/routes/v1.ts calls it, and
 * `chooseReplica` with the same inputs worker/forwarding/forward.ts gives it.
 */

export type PolicyName = 'round-robin' | 'least-loaded' | 'affinity';
export const policyNames: readonly PolicyName[] = ['round-robin', 'least-loaded', 'affinity'];

export interface RoutingState {
  replicaIds: readonly string[];
  inFlight: InFlightCounter;
  snapshot: (nowMs: number) => ReplicaView[];
  model: string;
  /** worker/bindings.ts `HEARTBEAT_STALE_MS` default. */
  staleMs: number;
}

export type Router = (request: ScheduledRequest, nowMs: number) => string;

export function createRouter(name: PolicyName, state: RoutingState, seed: number): Router {
  const rng = createSeededRng(seed);
  const ids = state.replicaIds;
  switch (name) {
    case 'round-robin': {
      let next = 0;
      return () => ids[next++ % ids.length] ?? '';
    }
    case 'least-loaded':
      // Fewest requests in flight from this client; ties at random (seeded).
      return () => {
        const loads = ids.map((id) => ({ id, load: state.inFlight.get(id), tie: rng.next() }));
        loads.sort((a, b) => a.load - b.load || a.tie - b.tie);
        return loads[0]?.id ?? '';
      };
    case 'affinity':
      return (request, nowMs) => {
        const result = chooseReplica({
          replicas: state.snapshot(nowMs),
          model: state.model,
          prefixKey: prefixKey(state.model, renderConversation(request.messages)),
          nowMs,
          staleMs: state.staleMs,
          inFlight: (id) => state.inFlight.get(id),
          rng,
        });
        if (result.kind !== 'chosen') throw new Error(`chooseReplica: ${result.kind}`);
        return result.replica.replicaId;
      };
  }
}
