import type { Heartbeat } from '../../contracts/heartbeat';
import type { EngineLoad } from './load-tracker';
import { describeStatus, type ReplicaStatus } from './state-machine';

/** Who this replica is: fixed for the life of the process. */
export interface ReplicaIdentity {
  replicaId: string;
  /** Base URL the edge forwards to. */
  publicUrl: string;
  models: readonly string[];
  version: string;
  /** The pinned weights, when the operator pinned them. */
  modelRevision?: string | undefined;
}

/** Limits from `heartbeatSchema`, applied here so the edge never rejects a heartbeat as malformed. */
const maxDetailLength = 512;
const maxVersionLength = 64;

/** Builds the heartbeat the edge's pool receives. Pure. */
export function buildHeartbeat(
  identity: ReplicaIdentity,
  status: ReplicaStatus,
  load: EngineLoad,
  nowMs: number,
): Heartbeat {
  const detail = describeStatus(status, nowMs);
  return {
    replicaId: identity.replicaId,
    url: identity.publicUrl,
    models: [...identity.models],
    state: status.state,
    running: nonNegativeInteger(load.running),
    waiting: nonNegativeInteger(load.waiting),
    kvCacheUsage: Math.min(1, Math.max(0, load.kvCacheUsage)),
    // One decimal is plenty for routing and keeps the payload stable to read in logs.
    tokensPerSecond: Math.max(0, Math.round(load.tokensPerSecond * 10) / 10),
    version: identity.version.slice(0, maxVersionLength),
    ...(identity.modelRevision === undefined ? {} : { modelRevision: identity.modelRevision }),
    ...(detail === undefined ? {} : { detail: detail.slice(0, maxDetailLength) }),
  };
}

function nonNegativeInteger(value: number): number {
  return Math.max(0, Math.round(value));
}
