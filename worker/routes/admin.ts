import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { createAdminAuth } from '../middleware/admin-auth';
import type { GatewayDeps } from '../ports';

/** `/admin/*`: operator endpoints behind ADMIN_TOKEN, never an API key. */
export function createAdminRoutes(deps: GatewayDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', createAdminAuth(deps.config.adminToken));
  return app;
}
