import { createParser } from 'eventsource-parser';
import { maxEventBytes } from '../core/sse-relay';
import type { Timer } from '../core/timed-reader';

/**
 * Reads an engine stream until its first SSE event, for at most `waitMs`, without forwarding
 * anything: until then the request may still go to another replica (RELIABILITY R2, S5). Whatever
 * was read is replayed in front of the rest of the stream, so the relay sees every byte.
 */
export type Peek =
  | { kind: 'event'; firstData: string; body: ReadableStream<Uint8Array> }
  | { kind: 'silent'; body: ReadableStream<Uint8Array> }
  /** The stream ended or broke before one whole event. */
  | { kind: 'ended' };

export async function peekFirstEvent(
  upstream: ReadableStream<Uint8Array>,
  waitMs: number,
  startTimer: (ms: number) => Timer,
): Promise<Peek> {
  const reader = upstream.getReader();
  const decoder = new TextDecoder();
  const seen: Uint8Array[] = [];
  let bytes = 0;
  let firstData: string | undefined;
  const parser = createParser({
    onEvent: (event) => (firstData ??= event.data),
    onError: () => (firstData ??= ''),
    maxBufferSize: maxEventBytes,
  });
  const timer = startTimer(waitMs);
  let pendingRead: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  try {
    while (firstData === undefined) {
      pendingRead = reader.read();
      const result = await Promise.race([pendingRead, timer.expired.then(() => 'silent' as const)]);
      if (result === 'silent') return { kind: 'silent', body: replay(seen, reader, pendingRead) };
      pendingRead = undefined;
      if (result.done) return { kind: 'ended' };
      seen.push(result.value);
      bytes += result.value.byteLength;
      parser.feed(decoder.decode(result.value, { stream: true }));
      // An event larger than the relay accepts: let the relay refuse it.
      if (bytes > maxEventBytes) firstData ??= '';
    }
  } catch {
    return { kind: 'ended' };
  } finally {
    timer.cancel();
  }
  return { kind: 'event', firstData, body: replay(seen, reader, undefined) };
}

function replay(
  seen: Uint8Array[],
  reader: ReadableStreamDefaultReader<Uint8Array>,
  pendingRead: Promise<ReadableStreamReadResult<Uint8Array>> | undefined,
): ReadableStream<Uint8Array> {
  const queue = [...seen];
  let next = pendingRead;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const head = queue.shift();
      if (head !== undefined) {
        controller.enqueue(head);
        return;
      }
      const result = await (next ?? reader.read());
      next = undefined;
      if (result.done) controller.close();
      else controller.enqueue(result.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
