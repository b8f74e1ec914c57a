import type { ReplicaState } from '../../contracts/heartbeat';
import type { HealthState } from '../core/health-state';
import { poolHealth, type PoolHealth } from '../core/pool-health';
import { isLive } from '../core/replica-choice';
import type { ReplicaView } from '../ports';

/** One replica as the dashboard shows it: its last heartbeat, how old it is, and its ejections. */
export interface ReplicaRow {
  replicaId: string;
  url: string;
  models: string[];
  state: ReplicaState;
  running: number;
  waiting: number;
  kvCacheUsage: number;
  tokensPerSecond: number;
  version: string;
  modelRevision: string | null;
  detail: string | null;
  heartbeatAgeMs: number;
  /** Silent longer than HEARTBEAT_STALE_MS: its state is unknown and it takes no traffic. */
  stale: boolean;
  /** This isolate's passive health of the replica (worker/core/health-state.ts). */
  ejections: number;
  ejected: boolean;
  consecutiveFailures: number;
}

export interface PoolView {
  nowMs: number;
  heartbeatStaleMs: number;
  /** The same summary as /healthz. */
  health: PoolHealth;
  replicas: ReplicaRow[];
}

/** The `/admin/pool` answer: pure, from a pool snapshot and this isolate's health states. */
export function poolView(
  replicas: readonly ReplicaView[],
  nowMs: number,
  staleMs: number,
  health: (replicaId: string) => { state: HealthState; admits: boolean },
): PoolView {
  const rows = [...replicas]
    .sort((a, b) => a.replicaId.localeCompare(b.replicaId))
    .map((r): ReplicaRow => {
      const { state } = health(r.replicaId);
      return {
        replicaId: r.replicaId,
        url: r.url,
        models: r.models,
        state: r.state,
        running: r.running,
        waiting: r.waiting,
        kvCacheUsage: r.kvCacheUsage,
        tokensPerSecond: r.tokensPerSecond,
        version: r.version,
        modelRevision: r.modelRevision ?? null,
        detail: r.detail ?? null,
        heartbeatAgeMs: Math.max(0, nowMs - r.lastSeenMs),
        stale: !isLive(r, nowMs, staleMs),
        ejections: state.ejections,
        ejected: state.ejected && nowMs < state.ejectedUntilMs,
        consecutiveFailures: state.consecutiveFailures,
      };
    });
  return {
    nowMs,
    heartbeatStaleMs: staleMs,
    health: poolHealth(replicas, nowMs, staleMs, (id) => health(id).admits),
    replicas: rows,
  };
}
