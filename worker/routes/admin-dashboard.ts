import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env';
import { issueSession, sessionCookieName } from '../dashboard/admin-session';
import { dashboardHtml } from '../dashboard/assets.gen';
import { GatewayError } from '../errors';
import { isAdminToken } from '../middleware/admin-auth';
import type { GatewayDeps } from '../ports';

/**
 * The page may load without a session; it shows the login form until one exists. Scripts and
 * styles come only from this origin (no inline code), and no other site may frame the page.
 */
const pageHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

const cookiePath = '/admin';

/**
 * The dashboard's public part, mounted before the admin auth: `GET /admin` (the page),
 * `POST /admin/session` (log in: the admin token in a form body, never a URL) and
 * `DELETE /admin/session` (log out). The page's script and styles are Workers static assets
 * (`[assets]` in wrangler.toml, dashboard/public/), named by content hash, outside the Worker
 * bundle. Everything the page shows comes from /admin/* behind the auth.
 */
export function createAdminDashboardRoutes(deps: GatewayDeps) {
  const app = new Hono<AppEnv>();

  app.get('/', (c) => c.html(dashboardHtml, 200, { ...pageHeaders, 'cache-control': 'no-store' }));

  // A token is far shorter than this; a larger body is not a login attempt.
  app.post('/session', bodyLimit({ maxSize: 4096 }), async (c) => {
    const adminToken = deps.config.adminToken;
    if (adminToken === undefined) {
      throw new GatewayError('admin_disabled', 'The admin API is off: set the ADMIN_TOKEN secret.');
    }
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    if (!(await isAdminToken(adminToken, token))) {
      deps.logger.warn('admin login refused', { requestId: c.get('requestId') });
      throw new GatewayError('invalid_admin_token', 'That is not the admin token.');
    }
    const session = await issueSession(adminToken, deps.clock.nowMs());
    setCookie(c, sessionCookieName, session.value, {
      path: cookiePath,
      httpOnly: true,
      secure: new URL(c.req.url).protocol === 'https:',
      sameSite: 'Strict',
      expires: new Date(session.expiresMs),
    });
    deps.logger.info('admin session started', { requestId: c.get('requestId') });
    c.header('cache-control', 'no-store');
    return c.json({ expiresMs: session.expiresMs });
  });

  app.delete('/session', (c) => {
    deleteCookie(c, sessionCookieName, {
      path: cookiePath,
      httpOnly: true,
      secure: new URL(c.req.url).protocol === 'https:',
      sameSite: 'Strict',
    });
    return c.body(null, 204);
  });

  return app;
}
