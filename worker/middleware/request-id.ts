import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env';
import type { Rng } from '../ports';

/**
 * Gives every request a gateway-made id (`req_` + 24 hex chars), echoed as `x-request-id` and used
 * as the usage row's key. A client-sent id is never trusted for that: two clients could collide.
 */
export function createRequestId(rng: Rng) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const id = newRequestId(rng);
    c.set('requestId', id);
    await next();
    c.res.headers.set('x-request-id', id);
  });
}

export function newRequestId(rng: Rng): string {
  let hex = '';
  for (let i = 0; i < 24; i++) hex += Math.floor(rng.next() * 16).toString(16);
  return `req_${hex}`;
}
