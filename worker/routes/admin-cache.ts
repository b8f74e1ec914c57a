import { Hono } from 'hono';
import * as z from 'zod';
import { tenantIdSchema } from '../admin/key-records';
import type { AppEnv } from '../app-env';
import { purgeCache } from '../cache/purge';
import { GatewayError } from '../errors';
import { jsonBody } from '../middleware/json-body';
import type { GatewayDeps } from '../ports';

/** A key as `x-switchyard-cache-key` shows it: `<tenant>/<64 hex>`. */
const cacheKeySchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\/[0-9a-f]{64}$/, {
  message: 'must be a cache key as x-switchyard-cache-key shows it (<tenant>/<sha-256 hex>)',
});

const purgeSchema = z.union([
  z.strictObject({ key: cacheKeySchema }),
  z.strictObject({ tenant: tenantIdSchema }),
  z.strictObject({ all: z.literal(true) }),
]);

/**
 * `/admin/cache`: purge the exact cache by key, by tenant or entirely (mounted behind the admin
 * token). Semantic entries point at exact ones, so they stop hitting as soon as the exact entry
 * is gone; their vectors expire with the index's own housekeeping.
 */
export function createAdminCacheRoutes(deps: GatewayDeps) {
  const app = new Hono<AppEnv>();
  app.post('/purge', jsonBody(purgeSchema), async (c) => {
    const cache = deps.responseCache;
    if (cache === undefined) {
      throw new GatewayError('invalid_request', 'The response cache is off (RESPONSE_CACHE=off).', {
        status: 409,
      });
    }
    const input = c.req.valid('json');
    const result = await purgeCache(
      cache.store,
      'key' in input
        ? { kind: 'key', key: input.key }
        : 'tenant' in input
          ? { kind: 'tenant', tenantId: input.tenant }
          : { kind: 'all' },
    );
    return c.json({ object: 'cache.purge', ...result });
  });
  return app;
}
