import type { UsageRecord, UsageSink } from '../ports';

/**
 * The usage pipeline: the request path only enqueues (fast, and it survives the client leaving);
 * the queue consumer writes whole batches to D1 in one transaction. A failed batch is retried by
 * the queue and the writes are idempotent on the request id, so nothing is lost or doubled.
 */

/**
 * Queues refuse messages over 128 KB, and two capped payload texts (64 KiB each) can exceed that
 * on their own. Records above this estimate are written straight to D1 instead; they are rare
 * (opted-in keys with long prompts) and the write is already off the response path (waitUntil).
 */
export const maxQueuedRecordBytes = 120_000;

/** Room for the usage row and its attempts, which are short strings and numbers. */
const rowOverheadBytes = 8_000;

// Structured clone stores a string in one byte per character only when every character is
// Latin-1; a single other character makes it two bytes per character.
const clonedBytes = (text: string) => (/[\u0100-\uffff]/.test(text) ? 2 : 1) * text.length;

/** An upper estimate of the record's size as a queue message. */
export function queuedRecordBytes(record: UsageRecord): number {
  const payload = record.payload;
  return payload === undefined
    ? rowOverheadBytes
    : rowOverheadBytes + clonedBytes(payload.request) + clonedBytes(payload.response);
}

/** The one method of the `USAGE_QUEUE` producer the sink uses. */
export interface UsageQueue {
  send(record: UsageRecord): Promise<unknown>;
}

export function createQueueUsageSink(queue: UsageQueue, direct: UsageSink): UsageSink {
  return {
    async record(record) {
      if (queuedRecordBytes(record) > maxQueuedRecordBytes) {
        await direct.record(record);
        return;
      }
      // A queue that refuses the message must not lose the row: write it directly instead.
      await queue.send(record).catch(() => direct.record(record));
    },
  };
}

export async function consumeUsageBatch(
  batch: MessageBatch<UsageRecord>,
  writeUsage: (records: readonly UsageRecord[]) => Promise<void>,
): Promise<void> {
  try {
    await writeUsage(batch.messages.map((message) => message.body));
    batch.ackAll();
  } catch {
    // One bad record must not sink the batch: write one by one and retry only what fails.
    for (const message of batch.messages) {
      await writeUsage([message.body]).then(
        () => message.ack(),
        () => message.retry(),
      );
    }
  }
}
