import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { createAdminAuth } from '../middleware/admin-auth';
import type { GatewayDeps } from '../ports';
import { createAdminCacheRoutes } from './admin-cache';
import { createAdminKeyRoutes } from './admin-keys';
import { createAdminReportRoutes } from './admin-reports';

/** `/admin/*`: operator endpoints behind ADMIN_TOKEN, never an API key. */
export function createAdminRoutes(deps: GatewayDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', createAdminAuth(deps.config.adminToken));
  app.route('/keys', createAdminKeyRoutes(deps));
  app.route('/reports', createAdminReportRoutes(deps));
  app.route('/cache', createAdminCacheRoutes(deps));
  return app;
}
