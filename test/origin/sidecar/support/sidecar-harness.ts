import { originRequestPayload, requestIdHeader, sign } from '../../../../contracts/signature';
import { setTimeout as sleepMs } from 'node:timers/promises';
import { createAdmission } from '../../../../origin/sidecar/admission';
import { createSidecarApp } from '../../../../origin/sidecar/app';
import { createInFlight } from '../../../../origin/sidecar/in-flight';
import type { HttpFetch } from '../../../../origin/sidecar/ports';
import { createSidecarMetrics } from '../../../../origin/sidecar/sidecar-metrics';
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
export function sidecarHarness(
  engine: { baseUrl: string; fetch: HttpFetch },
  options: { maxConcurrent?: number; maxQueued?: number; queueTimeoutMs?: number } = {},
) {
  let status: ReplicaStatus = { state: 'ready', sinceMs: testNowMs - 5_000 };
  const inFlight = createInFlight();
  const clock = { nowMs: () => testNowMs };
  const admission = createAdmission({
    limits: {
      maxConcurrent: options.maxConcurrent ?? 64,
      maxQueued: options.maxQueued ?? 8,
      queueTimeoutMs: options.queueTimeoutMs ?? 1_000,
    },
    inFlight,
    clock,
    sleep: (ms, signal) => sleepMs(ms, undefined, { signal }),
  });
  const metrics = createSidecarMetrics({
    inFlight: () => inFlight.count(),
    queued: () => admission.queued(),
    engineLoad: () => ({ running: 2, waiting: 1, kvCacheUsage: 0.5, tokensPerSecond: 40 }),
  });
  const wakes: number[] = [];
  const { logger, records } = captureLogs(() => testNowMs);
  const app = createSidecarApp({
    replicaId: 'gpu-1',
    models: ['small'],
    engineBaseUrl: engine.baseUrl,
    secret: testSecret,
    clock,
    fetch: engine.fetch,
    inFlight,
    admission,
    metrics,
    getStatus: () => status,
    wake: () => {
      wakes.push(testNowMs);
      if (status.state === 'sleeping') status = { state: 'waking', sinceMs: testNowMs };
      return status.state;
    },
    enginePid: () => 4242,
    startedAtMs: testNowMs - 60_000,
    logger,
  });
  return {
    app,
    inFlight,
    admission,
    metrics,
    wakes,
    logs: records,
    setStatus: (next: ReplicaStatus) => {
      status = next;
    },
  };
}
