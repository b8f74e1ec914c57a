import type { Heartbeat } from '../../contracts/heartbeat';
import { heartbeatPath } from '../../contracts/heartbeat';
import { sign } from '../../contracts/signature';

/**
 * Registers the benchmark upstreams at an edge as ready replicas by signing heartbeats the way a
 * sidecar does (contracts/signature.ts), once a second, so the measured path is edge → upstream
 * with nothing in between. The upstreams ignore the edge's request signature.
 */

export interface BenchReplica {
  replicaId: string;
  url: string;
  model: string;
}

function heartbeatOf(replica: BenchReplica): Heartbeat {
  return {
    replicaId: replica.replicaId,
    url: replica.url,
    models: [replica.model],
    state: 'ready',
    running: 0,
    waiting: 0,
    kvCacheUsage: 0,
    tokensPerSecond: 0,
    version: 'bench',
  };
}

async function beat(edgeUrl: string, secret: string, replica: BenchReplica): Promise<void> {
  const body = JSON.stringify(heartbeatOf(replica));
  const headers = await sign(secret, 'heartbeat', body, Date.now());
  const response = await fetch(new URL(heartbeatPath, edgeUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  if (response.status !== 204) {
    throw new Error(
      `heartbeat to ${edgeUrl} answered ${response.status}: ${await response.text()}`,
    );
  }
}

export interface HeartbeatPump {
  stop(): void;
}

/** Sends the first beats (and fails if they are refused), then keeps beating every second. */
export async function startHeartbeats(
  edgeUrl: string,
  secret: string,
  replicas: readonly BenchReplica[],
): Promise<HeartbeatPump> {
  await Promise.all(replicas.map((r) => beat(edgeUrl, secret, r)));
  const timer = setInterval(() => {
    // A missed beat is harmless: the replica stays fresh for HEARTBEAT_STALE_MS (5 s).
    for (const r of replicas) beat(edgeUrl, secret, r).catch(() => undefined);
  }, 1000);
  return { stop: () => clearInterval(timer) };
}
