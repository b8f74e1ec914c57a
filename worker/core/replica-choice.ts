import type { ReplicaView, Rng } from '../ports';

/**
 * Replica choice for the walking skeleton: least loaded among live `ready` replicas serving the
 * model, ties broken at random. Load = this isolate's in-flight count plus what the replica last
 * reported as running and waiting. Prefix affinity and bounded load replace this in their own issue.
 */

export interface ChoiceInput {
  replicas: readonly ReplicaView[];
  model: string;
  nowMs: number;
  staleMs: number;
  inFlight: (replicaId: string) => number;
  rng: Rng;
}

export type ChoiceResult =
  | { kind: 'chosen'; replica: ReplicaView }
  | { kind: 'unknown_model' }
  | { kind: 'none_ready'; states: ReplicaView['state'][] };

export function isLive(replica: ReplicaView, nowMs: number, staleMs: number): boolean {
  return nowMs - replica.lastSeenMs <= staleMs;
}

/**
 * Models the pool knows: advertised by any replica it still remembers, live or not, so a model
 * whose replicas are all down answers 503 (try later) rather than 404 (does not exist).
 */
export function knownModels(replicas: readonly ReplicaView[]): Set<string> {
  return new Set(replicas.flatMap((r) => r.models));
}

/** Models that can take a request now: on a live `ready` replica. */
export function servableModels(
  replicas: readonly ReplicaView[],
  nowMs: number,
  staleMs: number,
): Set<string> {
  return new Set(
    replicas
      .filter((r) => r.state === 'ready' && isLive(r, nowMs, staleMs))
      .flatMap((r) => r.models),
  );
}

export function chooseReplica(input: ChoiceInput): ChoiceResult {
  const serving = input.replicas.filter((r) => r.models.includes(input.model));
  if (serving.length === 0) return { kind: 'unknown_model' };
  const ready = serving.filter((r) => r.state === 'ready' && isLive(r, input.nowMs, input.staleMs));
  if (ready.length === 0) return { kind: 'none_ready', states: serving.map((r) => r.state) };

  const load = (r: ReplicaView) => input.inFlight(r.replicaId) + r.running + r.waiting;
  const least = Math.min(...ready.map(load));
  const candidates = ready.filter((r) => load(r) === least);
  const pick = candidates[Math.floor(input.rng.next() * candidates.length)] ?? candidates[0];
  return pick ? { kind: 'chosen', replica: pick } : { kind: 'none_ready', states: [] };
}
