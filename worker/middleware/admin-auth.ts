import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env';
import { GatewayError } from '../errors';

async function digest(value: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(value));
}

/**
 * Guards /admin/* with the ADMIN_TOKEN secret, a credential separate from API keys (RELIABILITY
 * A6, OWASP API5). Both sides are hashed first so timingSafeEqual compares equal lengths.
 */
export function createAdminAuth(adminToken: string | undefined) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (adminToken === undefined) {
      throw new GatewayError('admin_disabled', 'The admin API is off: set the ADMIN_TOKEN secret.');
    }
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    const [expected, actual] = await Promise.all([digest(adminToken), digest(presented)]);
    if (!crypto.subtle.timingSafeEqual(expected, actual)) {
      throw new GatewayError('invalid_admin_token', 'The admin token is missing or wrong.');
    }
    await next();
  });
}
