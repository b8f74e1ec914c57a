import type { UsageRecord, UsageSink } from '../ports';

/**
 * The usage pipeline: the request path only enqueues (fast, and it survives the client leaving);
 * the queue consumer writes whole batches to D1 in one transaction. A failed batch is retried by
 * the queue and the writes are idempotent on the request id, so nothing is lost or doubled.
 */
export function createQueueUsageSink(queue: Queue<UsageRecord>): UsageSink {
  return {
    async record(record) {
      await queue.send(record);
    },
  };
}

export async function consumeUsageBatch(
  batch: MessageBatch<UsageRecord>,
  writeUsage: (records: readonly UsageRecord[]) => Promise<void>,
): Promise<void> {
  await writeUsage(batch.messages.map((message) => message.body));
  batch.ackAll();
}
