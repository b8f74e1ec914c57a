import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import * as z from 'zod';
import {
  buildKeyRecord,
  createKeyInputSchema,
  issueKeySecret,
  newKeyId,
  secretShownOnceWarning,
  tenantIdSchema,
  toKeySummary,
} from '../admin/key-records';
import type { AppEnv } from '../app-env';
import { GatewayError } from '../errors';
import { jsonBody } from '../middleware/json-body';
import type { GatewayDeps } from '../ports';

const listQuery = z.object({ tenant: tenantIdSchema.optional() });

// Responses here can carry a secret: no cache or proxy on the way may keep a copy.
const noStore = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  c.res.headers.set('cache-control', 'no-store');
});

const unknownKey = (keyId: string) =>
  new GatewayError('not_found', `No API key has the id '${keyId.slice(0, 100)}'.`);

/**
 * `/admin/keys`: create, list, revoke and rotate API keys (mounted behind the admin token by
 * `routes/admin.ts`). A secret appears in exactly one response, the one that created or rotated
 * it; D1 keeps only its hash, and listings carry no hash at all (RELIABILITY A1, O1).
 */
export function createAdminKeyRoutes(deps: GatewayDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', noStore);

  app.post('/', jsonBody(createKeyInputSchema), async (c) => {
    const issued = await issueKeySecret();
    const record = buildKeyRecord(
      c.req.valid('json'),
      { keyId: newKeyId(deps.rng), keyHash: issued.keyHash, keyPrefix: issued.keyPrefix },
      deps.clock.nowMs(),
    );
    await deps.keys.create(record);
    return c.json(
      { key: toKeySummary(record.key), secret: issued.secret, warning: secretShownOnceWarning },
      201,
    );
  });

  app.get('/', async (c) => {
    const query = listQuery.safeParse(c.req.query());
    if (!query.success) {
      throw new GatewayError('invalid_request', `tenant ${query.error.issues[0]?.message ?? ''}`, {
        param: 'tenant',
      });
    }
    const data = await deps.keys.list({ tenantId: query.data.tenant });
    return c.json({ object: 'list', data });
  });

  // D1 first (it knows whether the key exists), then the key's Durable Object: every request
  // visits that object, so an isolate that still holds the key's auth is stopped at once
  // (decision 6).
  app.post('/:id/revoke', async (c) => {
    const keyId = c.req.param('id');
    const nowMs = deps.clock.nowMs();
    const key = await deps.keys.revoke(keyId, nowMs);
    if (key === undefined) throw unknownKey(keyId);
    await deps.limiter.setRevoked(keyId, true, nowMs);
    return c.json({ key });
  });

  // Same key id, so its limits and the Durable Object's counters carry over; auth looks keys up
  // by hash, so the old secret stops matching with this write.
  app.post('/:id/rotate', async (c) => {
    const keyId = c.req.param('id');
    const issued = await issueKeySecret();
    const outcome = await deps.keys.rotate(keyId, {
      keyHash: issued.keyHash,
      keyPrefix: issued.keyPrefix,
    });
    switch (outcome.status) {
      case 'not_found':
        throw unknownKey(keyId);
      case 'revoked':
        throw new GatewayError(
          'invalid_request',
          `API key '${keyId}' is revoked; a revoked key cannot be rotated. Create a new key.`,
          { status: 409 },
        );
      case 'rotated':
        return c.json({ key: outcome.key, secret: issued.secret, warning: secretShownOnceWarning });
    }
  });

  return app;
}
