import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../worker/index';
import { describe, expect, it } from 'vitest';
import type { UsageRecord } from '../../worker/ports';

const record = (requestId: string): UsageRecord => ({
  event: {
    requestId,
    createdAtMs: 1_000,
    endpoint: 'chat/completions',
    status: 'ok',
    httpStatus: 200,
    latencyMs: 5,
    stream: false,
    promptTokens: 3,
    completionTokens: 4,
  },
  attempts: [
    { requestId, attempt: 1, startedAtMs: 1_000, httpStatus: 200, outcome: 'ok', replicaId: 'r1' },
  ],
});

describe('the usage queue consumer', () => {
  it('writes a whole batch to D1 and acknowledges it', async () => {
    const batch = createMessageBatch<UsageRecord>('switchyard-usage', [
      { id: 'm1', timestamp: new Date(), attempts: 1, body: record('q-1') },
      { id: 'm2', timestamp: new Date(), attempts: 1, body: record('q-2') },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    // The result type is not in this workerd's generated types; these are the fields read here.
    const result: { ackAll: boolean; retryBatch: { retry: boolean } } = await getQueueResult(
      batch,
      ctx,
    );

    expect(result.ackAll).toBe(true);
    expect(result.retryBatch.retry).toBe(false);
    const { results } = await env.DB.prepare(
      "SELECT request_id FROM usage_events WHERE request_id IN ('q-1','q-2') ORDER BY request_id",
    ).all();
    expect(results).toEqual([{ request_id: 'q-1' }, { request_id: 'q-2' }]);
  });

  it('leaves one row when a batch is delivered twice', async () => {
    const deliver = () =>
      worker.queue(
        createMessageBatch<UsageRecord>('switchyard-usage', [
          { id: 'm3', timestamp: new Date(), attempts: 1, body: record('q-3') },
        ]),
        env,
      );
    await deliver();
    await deliver();

    const events = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM usage_events WHERE request_id = 'q-3'",
    ).first();
    const attempts = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM usage_attempts WHERE request_id = 'q-3'",
    ).first();
    expect(events).toEqual({ n: 1 });
    expect(attempts).toEqual({ n: 1 });
  });
});
