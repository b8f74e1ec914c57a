import { DurableObject } from 'cloudflare:workers';
import type { Heartbeat } from '../../contracts/heartbeat';
import type { ReplicaView } from '../ports';

/** A replica silent for this long is forgotten, and with it the models only it served. */
const forgetAfterMs = 60 * 60 * 1000;

/**
 * `POOL`: one Durable Object (named "default") holding the origin pool's membership and each
 * replica's last heartbeat. The state is soft: every sidecar re-announces itself each second, so it
 * lives in memory and a restarted object knows the whole pool again within one heartbeat interval.
 * Heartbeats are verified at the Worker before they reach this object.
 */
export class Pool extends DurableObject {
  private readonly replicas = new Map<string, ReplicaView>();

  heartbeat(heartbeat: Heartbeat, receivedAtMs: number): void {
    const previous = this.replicas.get(heartbeat.replicaId);
    this.replicas.set(heartbeat.replicaId, {
      ...heartbeat,
      lastSeenMs: receivedAtMs,
      registeredAtMs: previous?.registeredAtMs ?? receivedAtMs,
    });
  }

  snapshot(nowMs: number): ReplicaView[] {
    for (const [id, replica] of this.replicas) {
      if (nowMs - replica.lastSeenMs > forgetAfterMs) this.replicas.delete(id);
    }
    return [...this.replicas.values()];
  }
}
