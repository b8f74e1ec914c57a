import type { ReplicaView } from '../ports';
import { servableModels } from './replica-choice';

export interface ModelCard {
  id: string;
  object: 'model';
  /** When the pool first saw a replica serving it (Unix seconds). */
  created: number;
  owned_by: 'switchyard';
}

/** The OpenAI model objects for what live, ready replicas serve now, sorted by id. */
export function modelCards(
  replicas: readonly ReplicaView[],
  nowMs: number,
  staleMs: number,
): ModelCard[] {
  return [...servableModels(replicas, nowMs, staleMs)].sort().map((id) => ({
    id,
    object: 'model',
    created: Math.floor(
      Math.min(...replicas.filter((r) => r.models.includes(id)).map((r) => r.registeredAtMs)) /
        1000,
    ),
    owned_by: 'switchyard',
  }));
}
