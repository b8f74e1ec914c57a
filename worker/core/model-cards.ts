import type { ReplicaView } from '../ports';
import { isLive, servableModels } from './replica-choice';

export interface ModelCard {
  id: string;
  object: 'model';
  /** When the pool first saw a replica serving it (Unix seconds). */
  created: number;
  owned_by: 'switchyard';
  /**
   * The pinned revisions ready replicas serve now: one in steady state, two during a
   * replica-by-replica rollout, none when the operator did not pin a revision.
   */
  revisions: string[];
}

/** The OpenAI model objects for what live, ready replicas serve now, sorted by id. */
export function modelCards(
  replicas: readonly ReplicaView[],
  nowMs: number,
  staleMs: number,
): ModelCard[] {
  const ready = replicas.filter((r) => r.state === 'ready' && isLive(r, nowMs, staleMs));
  return [...servableModels(replicas, nowMs, staleMs)].sort().map((id) => ({
    id,
    object: 'model',
    created: Math.floor(
      Math.min(...replicas.filter((r) => r.models.includes(id)).map((r) => r.registeredAtMs)) /
        1000,
    ),
    owned_by: 'switchyard',
    revisions: [
      ...new Set(
        ready
          .filter((r) => r.models.includes(id))
          .flatMap((r) => (r.modelRevision ? [r.modelRevision] : [])),
      ),
    ].sort(),
  }));
}
