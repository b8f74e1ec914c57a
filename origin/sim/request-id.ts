import type { Context } from 'hono';
import type { SimAppDeps } from './sim-app-deps';

export const requestIdHeader = 'x-request-id';

/** Ids we take from the client verbatim: they end up in response ids and log lines. */
const acceptableRequestId = /^[\w.:-]{1,128}$/;

/**
 * The request's id: the gateway's `x-request-id` when it sent a sane one (so an abort logged here
 * can be matched to the edge's request), else a fresh one.
 */
export function requestIdOf(c: Context, deps: Pick<SimAppDeps, 'newId'>): string {
  const fromClient = c.req.header(requestIdHeader);
  return fromClient !== undefined && acceptableRequestId.test(fromClient)
    ? fromClient
    : deps.newId();
}
