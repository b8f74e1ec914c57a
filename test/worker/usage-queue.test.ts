import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../worker/index';
import { describe, expect, it } from 'vitest';
import type { UsageRecord } from '../../worker/ports';
import {
  consumeUsageBatch,
  createQueueUsageSink,
  maxQueuedRecordBytes,
  queuedRecordBytes,
} from '../../worker/usage/usage-queue';

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

const withPayload = (requestId: string, request: string, response = ''): UsageRecord => ({
  ...record(requestId),
  payload: {
    requestId,
    tenantId: 't',
    keyId: 'k',
    createdAtMs: 1_000,
    expiresAtMs: 2_000,
    request,
    response,
    truncated: false,
  },
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

  it('writes a stored payload with its usage row, once however often it is delivered', async () => {
    const deliver = () =>
      worker.queue(
        createMessageBatch<UsageRecord>('switchyard-usage', [
          { id: 'm4', timestamp: new Date(), attempts: 1, body: withPayload('q-4', '{"a":1}') },
        ]),
        env,
      );
    await deliver();
    await deliver();

    const { results } = await env.DB.prepare(
      "SELECT request, response FROM request_payloads WHERE request_id = 'q-4'",
    ).all();
    expect(results).toEqual([{ request: '{"a":1}', response: '' }]);
  });
});

describe('the queue usage sink', () => {
  const sink = () => {
    const queued: string[] = [];
    const direct: string[] = [];
    const usage = createQueueUsageSink(
      {
        send: (r: UsageRecord) => {
          queued.push(r.event.requestId);
          return Promise.resolve();
        },
      },
      {
        record: (r) => {
          direct.push(r.event.requestId);
          return Promise.resolve();
        },
      },
    );
    return { usage, queued, direct };
  };

  it.each([
    ['a row without a payload', record('s-1'), 'queue'],
    ['a row with a short payload', withPayload('s-2', 'x'.repeat(1_000)), 'queue'],
    [
      'two capped ASCII texts',
      withPayload('s-3', 'x'.repeat(65_536), 'y'.repeat(65_536)),
      'direct',
    ],
    // One character outside Latin-1 doubles the size of the whole string in a queue message.
    ['non-Latin-1 text over the limit', withPayload('s-4', '🚀'.repeat(30_000)), 'direct'],
    ['Latin-1 text under the limit', withPayload('s-5', 'é'.repeat(60_000)), 'queue'],
  ])('sends %s by the %s', async (_case, r, route) => {
    const { usage, queued, direct } = sink();
    await usage.record(r);
    expect(route === 'queue' ? queued : direct).toEqual([r.event.requestId]);
    expect(route === 'queue' ? direct : queued).toEqual([]);
    expect(queuedRecordBytes(r) > maxQueuedRecordBytes).toBe(route === 'direct');
  });
});

describe('the usage queue producer and consumer under failure', () => {
  it('writes a record directly when the queue refuses it', async () => {
    const written: string[] = [];
    const sink = createQueueUsageSink(
      { send: () => Promise.reject(new Error('queue unavailable')) },
      { record: (r) => Promise.resolve(void written.push(r.event.requestId)) },
    );
    await sink.record(record('q-direct'));
    expect(written).toEqual(['q-direct']);
  });

  it('acknowledges the good records of a failing batch and retries only the bad one', async () => {
    const batch = createMessageBatch<UsageRecord>('switchyard-usage', [
      { id: 'm4', timestamp: new Date(), attempts: 1, body: record('q-good') },
      { id: 'm5', timestamp: new Date(), attempts: 1, body: record('q-bad') },
    ]);
    const ctx = createExecutionContext();
    await consumeUsageBatch(batch, (records) =>
      records.some((r) => r.event.requestId === 'q-bad')
        ? Promise.reject(new Error('bad row'))
        : Promise.resolve(),
    );
    const result: { ackAll: boolean; explicitAcks: string[]; retryMessages: { msgId: string }[] } =
      await getQueueResult(batch, ctx);
    expect(result.ackAll).toBe(false);
    expect(result.explicitAcks).toEqual(['m4']);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(['m5']);
  });
});
