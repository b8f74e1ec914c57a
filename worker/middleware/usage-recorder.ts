import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env';
import { buildPayloadRow } from '../core/payload-row';
import { buildUsageRow, finishAttempts, type UsageDraft } from '../core/usage-row';
import { toGatewayError } from '../errors';
import type { GatewayDeps } from '../ports';

const tagPattern = /^[A-Za-z0-9._:/-]{1,64}$/;

/**
 * Writes exactly one usage row per API request, whatever happens to it: rejected by auth or
 * validation, failed upstream, streamed to the end or cancelled by the client. For streams the row
 * is written when the stream ends, through `waitUntil` so the response is never held for it.
 */
export function createUsageRecorder(
  deps: Pick<GatewayDeps, 'config' | 'clock' | 'usage' | 'limiter' | 'prices' | 'logger'>,
) {
  const payloadOptions = {
    retentionMs: deps.config.payloadRetentionMs,
    secrets: [deps.config.poolSecret, deps.config.adminToken].filter(
      (s): s is string => s !== undefined,
    ),
  };
  return createMiddleware<AppEnv>(async (c, next) => {
    const tag = c.req.header('x-switchyard-tag');
    const draft: UsageDraft = {
      requestId: c.get('requestId'),
      startedAtMs: deps.clock.nowMs(),
      endpoint: c.req.path.replace(/^\/v1\//, ''),
      stream: false,
      promptChars: 0,
      attempts: [],
      tag: tag !== undefined && tagPattern.test(tag) ? tag : undefined,
    };
    c.set('usage', draft);
    await next();

    const httpStatus = c.res.status;
    const errorCode = c.error ? toGatewayError(c.error).code : undefined;
    const clientAborted = c.req.raw.signal.aborted;
    const written = (async () => {
      const relay = draft.streamOutcome ? await draft.streamOutcome : undefined;
      const end = { httpStatus, errorCode, endedAtMs: deps.clock.nowMs(), clientAborted, relay };
      // Neither a price lookup nor the payload may stop the row and the settle below.
      const price = await (draft.servedModel === undefined
        ? undefined
        : deps.prices.priceOf(draft.servedModel).catch((error: unknown) => {
            deps.logger.error('price lookup failed', {
              requestId: draft.requestId,
              error: String(error),
            });
            return undefined;
          }));
      const event = buildUsageRow(draft, end, price);
      // Undefined unless the key opted in: other keys' rows carry metadata only (RELIABILITY O2).
      let payload: ReturnType<typeof buildPayloadRow>;
      try {
        payload = buildPayloadRow(draft, relay, payloadOptions);
      } catch (error) {
        deps.logger.error('payload not kept', { requestId: draft.requestId, error: String(error) });
      }
      const lease = draft.lease;
      // Settling the key's limits and writing the row are independent: one failing must not stop the other.
      const results = await Promise.allSettled([
        deps.usage.record({
          event,
          attempts: finishAttempts(draft.attempts, end),
          ...(payload && { payload }),
        }),
        lease &&
          deps.limiter.settle(lease.keyId, lease.policy, {
            leaseId: lease.leaseId,
            usedTokens: event.promptTokens + event.completionTokens,
            costUsd: event.costUsd,
            nowMs: end.endedAtMs,
          }),
      ]);
      for (const result of results) {
        if (result.status === 'rejected') {
          deps.logger.error('usage not recorded', {
            requestId: draft.requestId,
            error: String(result.reason),
          });
        }
      }
    })();
    c.executionCtx.waitUntil(written);
  });
}
