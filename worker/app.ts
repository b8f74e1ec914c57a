import { Hono } from 'hono';
import type { AppEnv } from './app-env';
import { poolHealth } from './core/pool-health';
import { redactingLogger } from './logging/redact';
import { GatewayError, errorResponse, toGatewayError } from './errors';
import { createRequestId } from './middleware/request-id';
import type { GatewayDeps } from './ports';
import { createAdminRoutes } from './routes/admin';
import { createInternalRoutes } from './routes/internal';
import { createV1Routes } from './routes/v1';

/** The edge as a Hono app over its ports; `index.ts` wires the real ones, tests wire fakes. */
export function createApp(given: GatewayDeps) {
  // Every log line the edge writes goes through redaction, whatever logger it was given.
  const deps: GatewayDeps = {
    ...given,
    logger: redactingLogger(given.logger, [given.config.poolSecret, given.config.adminToken]),
  };
  const app = new Hono<AppEnv>();
  app.use('*', createRequestId(deps.rng));
  app.route('/v1', createV1Routes(deps));
  // Asks the pool afresh: a health check must not answer from this isolate's cached view.
  app.get('/healthz', async (c) => {
    const replicas = await deps.pool.snapshot({ fresh: true });
    const nowMs = deps.clock.nowMs();
    const health = poolHealth(replicas, nowMs, deps.config.heartbeatStaleMs, (id) =>
      deps.health.admits(id, nowMs),
    );
    return c.json(health, health.status === 'unhealthy' ? 503 : 200);
  });
  app.route('/internal', createInternalRoutes(deps));
  app.route('/admin', createAdminRoutes(deps));

  // Thrown, not returned, so middleware (the usage recorder) sees the error code too.
  app.notFound((c) => {
    throw new GatewayError('route_not_found', `No route for ${c.req.method} ${c.req.path}.`);
  });
  app.onError((error, c) => {
    const gatewayError = toGatewayError(error);
    if (gatewayError.code === 'internal_error') {
      deps.logger.error('unhandled error', {
        requestId: c.get('requestId'),
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
    const response = errorResponse(gatewayError);
    // An error thrown past every middleware (an unknown route) skips the request-id middleware.
    response.headers.set('x-request-id', c.get('requestId'));
    return response;
  });
  return app;
}

export type GatewayApp = ReturnType<typeof createApp>;
