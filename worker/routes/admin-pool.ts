import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { poolView } from '../dashboard/pool-view';
import type { GatewayDeps } from '../ports';

/**
 * `GET /admin/pool`: every replica the POOL object remembers, with heartbeat age and this isolate's
 * ejections, plus the /healthz summary. A fresh view: the dashboard polls it to watch the pool live.
 */
export function createAdminPoolRoutes(deps: GatewayDeps) {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const replicas = await deps.pool.snapshot({ fresh: true });
    const nowMs = deps.clock.nowMs();
    const view = poolView(replicas, nowMs, deps.config.heartbeatStaleMs, (id) => ({
      state: deps.health.state(id),
      admits: deps.health.admits(id, nowMs),
    }));
    c.header('cache-control', 'no-store');
    return c.json(view);
  });
  return app;
}
