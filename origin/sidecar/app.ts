import { Hono } from 'hono';
import { errorResponse, SidecarError } from './errors';
import type { InFlight } from './in-flight';
import type { Logger } from './logger';
import { errorMessage } from './logger';
import { createOriginAuth } from './origin-auth';
import type { Clock, HttpFetch } from './ports';
import { createEngineProxy } from './proxy';
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
  getStatus: () => ReplicaStatus;
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
  enginePid: number | null;
  uptimeMs: number;
}

/**
 * The sidecar's HTTP surface. Liveness (`/livez`: the process answers) is kept apart from
 * readiness (`/readyz`: the engine has generated a token) so a busy or loading replica is never
 * mistaken for a dead one (RELIABILITY H3, H4).
 */
export function createSidecarApp(deps: SidecarAppDeps): Hono {
  const app = new Hono();

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
      enginePid: deps.enginePid() ?? null,
      uptimeMs: nowMs - deps.startedAtMs,
    };
    return c.json(view);
  });

  app.use('/v1/*', createOriginAuth({ secret: deps.secret, clock: deps.clock }));
  app.all(
    '/v1/*',
    createEngineProxy({
      engineBaseUrl: deps.engineBaseUrl,
      fetch: deps.fetch,
      inFlight: deps.inFlight,
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
