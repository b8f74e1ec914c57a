import { Hono } from 'hono';
import { heartbeatSchema } from '../../contracts/heartbeat';
import { signatureHeader, timestampHeader, verify } from '../../contracts/signature';
import type { AppEnv } from '../app-env';
import { GatewayError } from '../errors';
import type { GatewayDeps } from '../ports';

/** Heartbeats are a few hundred bytes; anything near this is not a sidecar. */
const maxHeartbeatBytes = 16 * 1024;

/**
 * Routes for the origin pool, not for API clients. A heartbeat is accepted only with a valid
 * HMAC over its timestamp and exact body bytes (contracts/signature.ts) inside the replay window.
 */
export function createInternalRoutes(deps: GatewayDeps) {
  const app = new Hono<AppEnv>();

  app.post('/pool/heartbeat', async (c) => {
    const body = await c.req.text();
    if (body.length > maxHeartbeatBytes) {
      throw new GatewayError('payload_too_large', 'The heartbeat is too large.');
    }
    const verdict = await verify(
      deps.config.poolSecret,
      'heartbeat',
      body,
      { timestamp: c.req.header(timestampHeader), signature: c.req.header(signatureHeader) },
      deps.clock.nowMs(),
    );
    if (!verdict.ok) {
      throw new GatewayError('invalid_signature', `The heartbeat signature is ${verdict.reason}.`);
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new GatewayError('invalid_json', 'The heartbeat is not valid JSON.');
    }
    const heartbeat = heartbeatSchema.safeParse(json);
    if (!heartbeat.success) {
      throw new GatewayError(
        'invalid_request',
        `The heartbeat is invalid: ${heartbeat.error.message}`,
      );
    }
    await deps.pool.heartbeat(heartbeat.data);
    return c.body(null, 204);
  });

  return app;
}
