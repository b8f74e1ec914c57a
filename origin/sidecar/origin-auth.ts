import type { MiddlewareHandler } from 'hono';
import {
  originRequestPayload,
  requestIdHeader,
  signatureHeader,
  timestampHeader,
  verify,
  type VerifyResult,
} from '../../contracts/signature';
import { SidecarError } from './errors';
import { verifyMessageNode } from './node-hmac';
import type { Clock } from './ports';

export interface OriginAuthOptions {
  secret: string;
  clock: Clock;
}

const failureMessages: Record<Exclude<VerifyResult, { ok: true }>['reason'], string> = {
  missing: 'missing origin credential',
  expired: 'origin credential expired',
  invalid: 'invalid origin credential',
};

/**
 * Admits only requests signed by the edge with purpose `origin-request` over method, URL pathname
 * (no query string) and request id. Binding the request id makes a captured credential useless
 * for any other request, and the contract's replay window bounds how long it is useful at all.
 */
export function createOriginAuth({ secret, clock }: OriginAuthOptions): MiddlewareHandler {
  return async (c, next) => {
    const requestId = c.req.header(requestIdHeader);
    if (requestId === undefined || requestId === '') {
      throw new SidecarError('unauthorized', `missing ${requestIdHeader}`);
    }
    const payload = originRequestPayload(c.req.method, new URL(c.req.url).pathname, requestId);
    const result = await verify(
      secret,
      'origin-request',
      payload,
      { timestamp: c.req.header(timestampHeader), signature: c.req.header(signatureHeader) },
      clock.nowMs(),
      verifyMessageNode,
    );
    if (!result.ok) throw new SidecarError('unauthorized', failureMessages[result.reason]);
    await next();
  };
}
