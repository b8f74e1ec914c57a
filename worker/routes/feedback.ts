import { Hono } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../app-env';
import { GatewayError } from '../errors';
import { jsonBody } from '../middleware/json-body';
import type { GatewayDeps } from '../ports';

export const feedbackRequest = z.object({
  request_id: z.string().regex(/^req_[0-9a-f]{24}$/, 'must be an x-request-id from this gateway'),
  /** -1 bad, 0 neutral, 1 good. */
  rating: z.union([z.literal(-1), z.literal(0), z.literal(1)]),
  label: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a short lowercase label such as hallucination')
    .optional(),
  comment: z.string().max(2000).optional(),
});

/**
 * `POST /v1/feedback`: a rating of one earlier answer, by the tenant that asked for it. A request
 * id of another tenant answers 404, exactly like an unknown one (RELIABILITY A6, no BOLA). Usage
 * rows land a moment after their response, so a 404 right after a request may be retried.
 */
export function createFeedbackRoutes(deps: GatewayDeps) {
  const app = new Hono<AppEnv>();
  app.post('/', jsonBody(feedbackRequest), async (c) => {
    const body = c.req.valid('json');
    const auth = c.get('auth');
    const owner = await deps.feedback.requestTenant(body.request_id);
    if (owner !== auth.tenantId) {
      throw new GatewayError('not_found', `No request '${body.request_id}' of yours is known.`, {
        param: 'request_id',
      });
    }
    const id = `fb_${crypto.randomUUID().replace(/-/g, '')}`;
    await deps.feedback.insert({
      id,
      requestId: body.request_id,
      tenantId: auth.tenantId,
      keyId: auth.keyId,
      rating: body.rating,
      label: body.label ?? null,
      comment: body.comment ?? null,
      createdAtMs: deps.clock.nowMs(),
    });
    return c.json({ id, object: 'feedback', request_id: body.request_id }, 201);
  });
  return app;
}
