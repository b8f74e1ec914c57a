import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env';
import { sessionCookieName, verifySession } from '../dashboard/admin-session';
import { GatewayError } from '../errors';
import type { Clock } from '../ports';

async function digest(value: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(value));
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A request that changes something on the strength of a cookie must come from the dashboard's own
 * page. SameSite=Strict already keeps the cookie off cross-site requests; checking Origin as well
 * covers browsers and proxies that get SameSite wrong (OWASP CSRF cheat sheet).
 */
function sameOrigin(method: string, origin: string | undefined, url: string): boolean {
  return safeMethods.has(method) || origin === new URL(url).origin;
}

/**
 * Guards /admin/* with the ADMIN_TOKEN secret, a credential separate from API keys (RELIABILITY
 * A6, OWASP API5): either `Authorization: Bearer <token>` (the CLI and scripts) or the dashboard's
 * signed session cookie (dashboard/admin-session.ts). Token hashes are compared, so
 * timingSafeEqual sees equal lengths.
 */
export function createAdminAuth(adminToken: string | undefined, clock: Clock) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (adminToken === undefined) {
      throw new GatewayError('admin_disabled', 'The admin API is off: set the ADMIN_TOKEN secret.');
    }
    const authorization = c.req.header('authorization');
    const session = getCookie(c, sessionCookieName);
    if (authorization === undefined && session !== undefined) {
      const valid = await verifySession(adminToken, session, clock.nowMs());
      if (!valid) {
        throw new GatewayError('invalid_admin_token', 'The session has expired; log in again.');
      }
      if (!sameOrigin(c.req.method, c.req.header('origin'), c.req.url)) {
        throw new GatewayError(
          'cross_origin_request',
          'Only the dashboard itself can change things with its session.',
        );
      }
      await next();
      return;
    }
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? '';
    if (!(await isAdminToken(adminToken, presented))) {
      throw new GatewayError('invalid_admin_token', 'The admin token is missing or wrong.');
    }
    await next();
  });
}

/** Whether `presented` is the admin token; the login form's check, in constant time. */
export async function isAdminToken(adminToken: string, presented: string): Promise<boolean> {
  const [expected, actual] = await Promise.all([digest(adminToken), digest(presented)]);
  return crypto.subtle.timingSafeEqual(expected, actual);
}
