import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { createAdminAuth } from '../middleware/admin-auth';
import type { GatewayDeps } from '../ports';
import { createAdminDashboardRoutes } from './admin-dashboard';
import { createAdminCacheRoutes } from './admin-cache';
import { createAdminKeyRoutes } from './admin-keys';
import { createAdminPoolRoutes } from './admin-pool';
import { createAdminReportRoutes } from './admin-reports';

/** `/admin/*`: operator endpoints behind ADMIN_TOKEN (bearer or dashboard session), never an API key. */
export function createAdminRoutes(deps: GatewayDeps) {
  const app = new Hono<AppEnv>();
  // Before the auth: the dashboard's page, its assets, log in and log out.
  app.route('/', createAdminDashboardRoutes(deps));
  app.use('*', createAdminAuth(deps.config.adminToken, deps.clock));
  app.route('/keys', createAdminKeyRoutes(deps));
  app.route('/reports', createAdminReportRoutes(deps));
  app.route('/pool', createAdminPoolRoutes(deps));
  app.route('/cache', createAdminCacheRoutes(deps));
  return app;
}
