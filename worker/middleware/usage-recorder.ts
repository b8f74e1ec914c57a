import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env';
import { buildUsageRow, type UsageDraft } from '../core/usage-row';
import { toGatewayError } from '../errors';
import type { Clock, Logger, UsageSink } from '../ports';

const tagPattern = /^[A-Za-z0-9._:/-]{1,64}$/;

/**
 * Writes exactly one usage row per API request, whatever happens to it: rejected by auth or
 * validation, failed upstream, streamed to the end or cancelled by the client. For streams the row
 * is written when the stream ends, through `waitUntil` so the response is never held for it.
 */
export function createUsageRecorder(deps: { clock: Clock; usage: UsageSink; logger: Logger }) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const tag = c.req.header('x-switchyard-tag');
    const draft: UsageDraft = {
      requestId: c.get('requestId'),
      startedAtMs: deps.clock.nowMs(),
      endpoint: c.req.path.replace(/^\/v1\//, ''),
      stream: false,
      promptChars: 0,
      tag: tag !== undefined && tagPattern.test(tag) ? tag : undefined,
    };
    c.set('usage', draft);
    await next();

    const httpStatus = c.res.status;
    const errorCode = c.error ? toGatewayError(c.error).code : undefined;
    const clientAborted = c.req.raw.signal.aborted;
    const written = (async () => {
      const relay = draft.streamOutcome ? await draft.streamOutcome : undefined;
      const row = buildUsageRow(draft, {
        httpStatus,
        errorCode,
        endedAtMs: deps.clock.nowMs(),
        clientAborted,
        relay,
      });
      await deps.usage.record(row);
    })().catch((error: unknown) => {
      deps.logger.error('usage row not written', {
        requestId: draft.requestId,
        error: String(error),
      });
    });
    c.executionCtx.waitUntil(written);
  });
}
