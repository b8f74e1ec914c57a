import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
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

  const limit = bodyLimit({
    maxSize: maxHeartbeatBytes,
    onError: () => {
      throw new GatewayError('payload_too_large', 'The heartbeat is too large.');
    },
  });

  app.post('/pool/heartbeat', limit, async (c) => {
    const body = await c.req.text();
    const timestamp = c.req.header(timestampHeader);
    const verdict = await verify(
      deps.config.poolSecret,
      'heartbeat',
      body,
      { timestamp, signature: c.req.header(signatureHeader) },
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
    if (!(await deps.pool.heartbeat(heartbeat.data, Number(timestamp)))) {
      throw new GatewayError(
        'stale_heartbeat',
        'A newer heartbeat of this replica was already recorded.',
      );
    }
    return c.body(null, 204);
  });

  return app;
}
