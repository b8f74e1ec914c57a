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

  /**
   * Records a verified heartbeat. `signedAtMs` is its signed timestamp: a heartbeat not newer than
   * the last one kept is dropped, so a delayed or replayed `ready` can never undo `draining`.
   */
  heartbeat(heartbeat: Heartbeat, signedAtMs: number, receivedAtMs: number): boolean {
    const previous = this.replicas.get(heartbeat.replicaId);
    if (previous !== undefined && signedAtMs <= previous.signedAtMs) return false;
    this.replicas.set(heartbeat.replicaId, {
      ...heartbeat,
      lastSeenMs: receivedAtMs,
      signedAtMs,
      readySinceMs:
        heartbeat.state !== 'ready'
          ? undefined
          : previous?.state === 'ready'
            ? previous.readySinceMs
            : receivedAtMs,
      registeredAtMs: previous?.registeredAtMs ?? receivedAtMs,
    });
    return true;
  }

  snapshot(nowMs: number): ReplicaView[] {
    for (const [id, replica] of this.replicas) {
      if (nowMs - replica.lastSeenMs > forgetAfterMs) this.replicas.delete(id);
    }
    return [...this.replicas.values()];
  }
}
