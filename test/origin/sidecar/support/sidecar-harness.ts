import { originRequestPayload, requestIdHeader, sign } from '../../../../contracts/signature';
import { createSidecarApp } from '../../../../origin/sidecar/app';
import { createInFlight } from '../../../../origin/sidecar/in-flight';
import type { HttpFetch } from '../../../../origin/sidecar/ports';
import type { ReplicaStatus } from '../../../../origin/sidecar/state-machine';
import { captureLogs } from './test-logger';

export const testSecret = 'test-pool-secret';
export const testNowMs = 1_700_000_000_000;

/** Headers the edge would send: its origin credential for this method, path and request id. */
export async function edgeHeaders(
  method: string,
  path: string,
  requestId: string,
  options: { nowMs?: number; secret?: string; signedPath?: string } = {},
): Promise<Record<string, string>> {
  const signed = await sign(
    options.secret ?? testSecret,
    'origin-request',
    originRequestPayload(method, options.signedPath ?? path, requestId),
    options.nowMs ?? testNowMs,
  );
  return { ...signed, [requestIdHeader]: requestId };
}

/** The real sidecar app with a settable state, a fixed clock and the given engine. */
export function sidecarHarness(engine: { baseUrl: string; fetch: HttpFetch }) {
  let status: ReplicaStatus = { state: 'ready', sinceMs: testNowMs - 5_000 };
  const inFlight = createInFlight();
  const { logger, records } = captureLogs(() => testNowMs);
  const app = createSidecarApp({
    replicaId: 'gpu-1',
    models: ['small'],
    engineBaseUrl: engine.baseUrl,
    secret: testSecret,
    clock: { nowMs: () => testNowMs },
    fetch: engine.fetch,
    inFlight,
    getStatus: () => status,
    enginePid: () => 4242,
    startedAtMs: testNowMs - 60_000,
    logger,
  });
  return {
    app,
    inFlight,
    logs: records,
    setStatus: (next: ReplicaStatus) => {
      status = next;
    },
  };
}
