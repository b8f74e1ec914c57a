import { chooseReplica } from '../../core/replica-choice';
import { buildOriginRequest } from '../../forwarding/origin-request';
import { readCapped } from '../../forwarding/read-capped';
import type { GatewayDeps } from '../../ports';
import type { OriginPost } from './origin-embedder';

/** 100 texts × 768 floats as JSON is about 1.5 MB; an answer far beyond that is not embeddings. */
const maxResponseBytes = 8 * 1024 * 1024;

/**
 * How the origin embedder reaches the pool until the lead routes it through the forwarding path:
 * one signed request to a live `ready` replica that serves the embedding model, chosen by the same
 * replica choice as API traffic (ejected replicas excluded), bounded by the first-byte timeout. No
 * retry and no wake-up: a failed embedding makes the semantic lookup a miss, nothing more.
 */
export function createPoolEmbeddingsPost(
  deps: Pick<
    GatewayDeps,
    'pool' | 'health' | 'inFlight' | 'clock' | 'rng' | 'config' | 'originFetch'
  >,
  model: string,
): OriginPost {
  return async (path, body) => {
    const nowMs = deps.clock.nowMs();
    const choice = chooseReplica({
      replicas: await deps.pool.snapshot(),
      model,
      prefixKey: 0,
      nowMs,
      staleMs: deps.config.heartbeatStaleMs,
      inFlight: (replicaId) => deps.inFlight.get(replicaId),
      rng: deps.rng,
      admissible: (replicaId) => deps.health.admits(replicaId, nowMs),
    });
    if (choice.kind !== 'chosen')
      throw new Error(`no ready replica serves ${model} (${choice.kind})`);
    const release = deps.inFlight.acquire(choice.replica.replicaId);
    try {
      const request = await buildOriginRequest({
        replicaUrl: choice.replica.url,
        path,
        body,
        stream: false,
        requestId: `semantic-${Math.floor(deps.rng.next() * 2 ** 48).toString(36)}`,
        poolSecret: deps.config.poolSecret,
        nowMs,
        signal: AbortSignal.timeout(deps.config.forwarding.firstByteTimeoutMs),
      });
      const response = await deps.originFetch(request);
      // Read while the slot is held, so the in-flight count stays true; capped (RELIABILITY V3).
      const text = await readCapped(response.body, maxResponseBytes);
      if (text === undefined) throw new Error(`embeddings answer over ${maxResponseBytes} bytes`);
      return new Response(text, { status: response.status, headers: response.headers });
    } finally {
      release();
    }
  };
}
