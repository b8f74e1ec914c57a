import type { ReplicaView } from '../ports';
import { isLive } from './replica-choice';

export type HealthStatus = 'ok' | 'degraded' | 'unhealthy';

export interface PoolHealth {
  status: HealthStatus;
  replicas: { ready: number; ejected: number; live: number; known: number };
}

/**
 * The gateway's own health (RELIABILITY H5): unhealthy when no replica can serve, degraded when
 * half or more of the live replicas cannot, ok otherwise. A replica that reports ready but that
 * this isolate has ejected for failing (passive health) cannot serve. Counts only; no model names,
 * since the endpoint needs no key.
 */
export function poolHealth(
  replicas: readonly ReplicaView[],
  nowMs: number,
  staleMs: number,
  admits: (replicaId: string) => boolean = () => true,
): PoolHealth {
  const live = replicas.filter((r) => isLive(r, nowMs, staleMs) && r.state !== 'stopped');
  const reporting = live.filter((r) => r.state === 'ready');
  const ready = reporting.filter((r) => admits(r.replicaId)).length;
  const status: HealthStatus =
    ready === 0 ? 'unhealthy' : ready * 2 <= live.length ? 'degraded' : 'ok';
  return {
    status,
    replicas: {
      ready,
      ejected: reporting.length - ready,
      live: live.length,
      known: replicas.length,
    },
  };
}
