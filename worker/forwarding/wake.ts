import { requestIdHeader, originRequestPayload, sign } from '../../contracts/signature';
import { isLive } from '../core/replica-choice';
import type { GatewayDeps, ReplicaView } from '../ports';

/** How often a waiting request looks at the pool again. */
const pollIntervalMs = 250;
/** One isolate asks a replica to wake at most this often, however many requests wait for it. */
const wakeRepeatMs = 5_000;
const lastWakeMs = new Map<string, number>();

const readyFor = (
  replicas: readonly ReplicaView[],
  model: string,
  nowMs: number,
  staleMs: number,
) =>
  replicas.some(
    (r) => r.state === 'ready' && r.models.includes(model) && isLive(r, nowMs, staleMs),
  );

/**
 * No replica of the model is ready but some sleep (or are already waking): ask the sleeping ones
 * to wake through the sidecar's signed `POST /wake`, then hold the request until one reports
 * `ready` or the wake deadline passes (DESIGN §2, "wake sleeping ones and queue briefly").
 * Returns the fresh pool view with a ready replica, or undefined (nothing to wake, deadline passed,
 * or the client left).
 */
export async function wakeAndWait(
  deps: GatewayDeps,
  input: {
    model: string;
    replicas: readonly ReplicaView[];
    requestId: string;
    signal: AbortSignal;
  },
): Promise<ReplicaView[] | undefined> {
  const staleMs = deps.config.heartbeatStaleMs;
  const startMs = deps.clock.nowMs();
  const dormant = input.replicas.filter(
    (r) =>
      r.models.includes(input.model) &&
      (r.state === 'sleeping' || r.state === 'waking') &&
      isLive(r, startMs, staleMs),
  );
  if (dormant.length === 0) return undefined;

  for (const replica of dormant) {
    if (
      replica.state !== 'sleeping' ||
      startMs - (lastWakeMs.get(replica.replicaId) ?? -Infinity) < wakeRepeatMs
    ) {
      continue;
    }
    lastWakeMs.set(replica.replicaId, startMs);
    const path = '/wake';
    const headers = {
      [requestIdHeader]: input.requestId,
      ...(await sign(
        deps.config.poolSecret,
        'origin-request',
        originRequestPayload('POST', path, input.requestId),
        startMs,
      )),
    };
    // The answer is only "accepted"; readiness arrives by heartbeat, which the loop below watches.
    await deps
      .originFetch(
        new Request(new URL(path, replica.url), { method: 'POST', headers, redirect: 'manual' }),
      )
      .then((response) => response.body?.cancel())
      .catch((error: unknown) =>
        deps.logger.warn('wake failed', { replicaId: replica.replicaId, error: String(error) }),
      );
  }

  const deadlineMs = startMs + deps.config.forwarding.wakeTimeoutMs;
  while (deps.clock.nowMs() < deadlineMs && !input.signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    const replicas = await deps.pool.snapshot({ fresh: true });
    if (readyFor(replicas, input.model, deps.clock.nowMs(), staleMs)) return replicas;
  }
  return undefined;
}
