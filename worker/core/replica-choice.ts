import type { ReplicaView, Rng } from '../ports';

import { fnv1a, mix32 } from './prefix-key';

/**
 * Replica choice (DESIGN §2): among live `ready` replicas serving the model, rendezvous
 * (highest-random-weight) hashing on the request's prefix key, so one system prompt or
 * conversation keeps landing where its KV cache lives — bounded by load: a replica whose load
 * would exceed `c` × the mean is skipped for the next in rank (consistent hashing with bounded
 * loads). A replica that became ready less than `slowStartMs` ago takes a ramped share of that
 * bound, so a cold replica is not flooded. Load = this isolate's in-flight count plus the running
 * and waiting the replica last reported.
 */

export interface ChoiceInput {
  replicas: readonly ReplicaView[];
  model: string;
  /** From prefix-key.ts; requests without a prompt prefix may pass any number. */
  prefixKey: number;
  nowMs: number;
  staleMs: number;
  inFlight: (replicaId: string) => number;
  rng: Rng;
  /**
   * Extra filter: false for replicas this isolate ejected (passive health) or already tried for
   * this request. Such replicas are treated as not ready.
   */
  admissible?: (replicaId: string) => boolean;
  /** The load bound factor c; 1.5 by default (bench/README.md, routing: why not 1.25). */
  loadFactor?: number;
  /** Ramp time for a newly ready replica; 30 s by default. */
  slowStartMs?: number;
}

export const defaultLoadFactor = 1.5;
export const defaultSlowStartMs = 30_000;

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

/**
 * Every replica that could take the request is already queueing (reports `waiting` > 0): a
 * request sent there waits behind others, so a configured spillover provider serves it instead.
 * False when no replica could take it at all (that is `none_ready`, not saturation).
 */
export function poolSaturated(
  input: Pick<ChoiceInput, 'replicas' | 'model' | 'nowMs' | 'staleMs' | 'admissible'>,
): boolean {
  const admissible = input.admissible ?? (() => true);
  const open = input.replicas.filter(
    (r) =>
      r.models.includes(input.model) &&
      r.state === 'ready' &&
      isLive(r, input.nowMs, input.staleMs) &&
      admissible(r.replicaId),
  );
  return open.length > 0 && open.every((r) => r.waiting > 0);
}

/** The rendezvous weight of a replica for a key: deterministic, uniform over replicas. */
export function rendezvousScore(prefixKey: number, replicaId: string): number {
  return mix32(fnv1a(replicaId, mix32(prefixKey)));
}

export function chooseReplica(input: ChoiceInput): ChoiceResult {
  const serving = input.replicas.filter((r) => r.models.includes(input.model));
  if (serving.length === 0) return { kind: 'unknown_model' };
  const admissible = input.admissible ?? (() => true);
  const ready = serving.filter(
    (r) => r.state === 'ready' && isLive(r, input.nowMs, input.staleMs) && admissible(r.replicaId),
  );
  if (ready.length === 0) return { kind: 'none_ready', states: serving.map((r) => r.state) };

  const load = (r: ReplicaView) => input.inFlight(r.replicaId) + r.running + r.waiting;
  const factor = input.loadFactor ?? defaultLoadFactor;
  const slowStartMs = input.slowStartMs ?? defaultSlowStartMs;
  const totalLoad = ready.reduce((sum, r) => sum + load(r), 0);
  // The bound counts the incoming request, so an idle pool always admits somewhere.
  const bound = Math.max(1, Math.ceil((factor * (totalLoad + 1)) / ready.length));
  const capacity = (r: ReplicaView) => {
    const ageMs = input.nowMs - (r.readySinceMs ?? 0);
    return ageMs >= slowStartMs ? bound : Math.max(1, Math.floor((bound * ageMs) / slowStartMs));
  };
  const ranked = ready
    .map((r) => ({
      replica: r,
      score: rendezvousScore(input.prefixKey, r.replicaId),
      tie: input.rng.next(),
    }))
    .sort((a, b) => b.score - a.score || a.tie - b.tie);
  const within = ranked.find(({ replica }) => load(replica) + 1 <= capacity(replica));
  // Everyone is at the bound: the least loaded replica takes it rather than refusing work here.
  const chosen =
    within?.replica ??
    ranked.reduce((best, next) => (load(next.replica) < load(best.replica) ? next : best)).replica;
  return { kind: 'chosen', replica: chosen };
}
