import { Hono } from 'hono';
import type { ReplicaState } from '../../contracts/heartbeat';
import type { Admission } from './admission';
import { errorResponse, SidecarError } from './errors';
import type { InFlight } from './in-flight';
import type { Logger } from './logger';
import { errorMessage } from './logger';
import { createOriginAuth } from './origin-auth';
import type { Clock, HttpFetch } from './ports';
import { createEngineProxy } from './proxy';
import type { SidecarMetrics } from './sidecar-metrics';
import { describeStatus, type ReplicaStatus } from './state-machine';

export interface SidecarAppDeps {
  replicaId: string;
  /** Model names the engine serves (its served model name). */
  models: readonly string[];
  engineBaseUrl: string;
  /** Pool secret shared with the edge; verifies the edge's origin credential. */
  secret: string;
  clock: Clock;
  fetch: HttpFetch;
  inFlight: InFlight;
  admission: Admission;
  metrics: SidecarMetrics;
  getStatus: () => ReplicaStatus;
  /** Asks a sleeping replica to wake; returns the state right after asking. */
  wake: () => ReplicaState;
  enginePid: () => number | undefined;
  startedAtMs: number;
  logger: Logger;
}

/** What `GET /state` returns: a snapshot for operators and the dev tooling. */
export interface SidecarStateView {
  replicaId: string;
  state: ReplicaStatus['state'];
  detail: string | null;
  models: readonly string[];
  inFlight: number;
  queued: number;
  enginePid: number | null;
  uptimeMs: number;
}

/** `POST /wake`: 200 when already ready, 202 while coming up, 409 when it cannot wake. */
const wakeStatus: Record<ReplicaState, 200 | 202 | 409> = {
  ready: 200,
  waking: 202,
  starting: 202,
  warming: 202,
  sleeping: 202,
  draining: 409,
  stopped: 409,
  failed: 409,
};

/**
 * The sidecar's HTTP surface. Liveness (`/livez`: the process answers) is kept apart from
 * readiness (`/readyz`: the engine has generated a token) so a busy or loading replica is never
 * mistaken for a dead one (RELIABILITY H3, H4). Only `/v1/*` and `/wake` are for the edge and
 * need its signature; the tunnel exposes nothing else (see origin/deploy).
 */
export function createSidecarApp(deps: SidecarAppDeps): Hono {
  const app = new Hono();
  const auth = createOriginAuth({ secret: deps.secret, clock: deps.clock });

  app.get('/livez', (c) => c.json({ ok: true }));

  app.get('/readyz', (c) => {
    const { state } = deps.getStatus();
    return c.json({ ready: state === 'ready', state }, state === 'ready' ? 200 : 503);
  });

  app.get('/state', (c) => {
    const status = deps.getStatus();
    const nowMs = deps.clock.nowMs();
    const view: SidecarStateView = {
      replicaId: deps.replicaId,
      state: status.state,
      detail: describeStatus(status, nowMs) ?? null,
      models: deps.models,
      inFlight: deps.inFlight.count(),
      queued: deps.admission.queued(),
      enginePid: deps.enginePid() ?? null,
      uptimeMs: nowMs - deps.startedAtMs,
    };
    return c.json(view);
  });

  app.get('/metrics', async (c) =>
    c.body(await deps.metrics.render(), 200, { 'content-type': deps.metrics.contentType }),
  );

  app.post('/wake', auth, (c) => {
    const state = deps.wake();
    const { detail } = deps.getStatus();
    return c.json({ state, detail: detail ?? null }, wakeStatus[state]);
  });

  app.use('/v1/*', async (c, next) => {
    await next();
    deps.metrics.recordProxied(c.res.status);
  });
  app.use('/v1/*', auth);
  app.all(
    '/v1/*',
    createEngineProxy({
      engineBaseUrl: deps.engineBaseUrl,
      fetch: deps.fetch,
      admission: deps.admission,
      getState: () => deps.getStatus().state,
      logger: deps.logger,
    }),
  );

  app.notFound(() => errorResponse(new SidecarError('not_found', 'no such route')));
  app.onError((error) => {
    if (error instanceof SidecarError) return errorResponse(error);
    deps.logger.error('unhandled error in request', { error: errorMessage(error) });
    return errorResponse(new SidecarError('internal_error', 'internal error'));
  });

  return app;
}
