import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Clock } from '../ports';
import type { WaitExpiry } from './forwarding-policy';
import { createTimedReader, type RelayTiming } from './timed-reader';
import type { Usage } from './openai-schemas';
import { readChunk } from './stream-chunk';
import { createTextCapture, type CapturedText } from './stream-text-capture';

/**
 * Relays an engine's SSE stream to the client event by event, never re-chunking or merging deltas
 * (RELIABILITY S2), while it watches for what the gateway must know: the last usage snapshot (S4:
 * snapshots are cumulative, so the last one wins), the first token's time, in-band errors (S5) and
 * how the stream ended. The engine is always asked for usage; the usage chunk is removed here when
 * the client did not ask for it.
 *
 * A stream that breaks after bytes went out ends with one `data: {"error":…}` event and no
 * `[DONE]` (decision 1), so no client mistakes a truncated answer for a complete one.
 */

export type RelayEnd =
  'done' | 'upstream_error_event' | 'upstream_truncated' | 'upstream_timeout' | 'client_cancelled';

export interface RelayOutcome {
  end: RelayEnd;
  /** Last usage snapshot the engine sent, if any. */
  usage: Usage | undefined;
  /** Content-bearing chunks seen: a fallback completion-token count when usage never came. */
  contentChunks: number;
  firstTokenAtMs: number | undefined;
  /** The streamed text, only when `captureTextChars` was given. */
  text?: CapturedText;
}

export interface RelayOptions {
  clientWantsUsage: boolean;
  clock: Clock;
  /** Called when the client goes away, to abort the engine request (RELIABILITY C1). */
  onCancel: () => void;
  /**
   * The client's request signal. In workerd a disconnect aborts it, which aborts the engine fetch
   * before the body is cancelled, so a broken read may mean "the client left", not "the engine broke".
   */
  clientSignal?: AbortSignal;
  /**
   * Keep up to this many characters of the generated text in the outcome (payload logging for
   * keys that opted in, RELIABILITY O2). Absent: nothing is kept and the relay does no extra work.
   */
  captureTextChars?: number;
  /** Absent: the relay waits as long as the engine takes. */
  timing?: RelayTiming;
}

const encoder = new TextEncoder();
const keepalive = ': keepalive\n\n';

export function sseEvent(data: string): string {
  return `${data
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}

export function sseErrorEvent(message: string, code: string): string {
  return sseEvent(JSON.stringify({ error: { message, type: 'server_error', param: null, code } }));
}

/** An SSE event larger than this ends the stream: no engine chunk comes near it (V3). */
export const maxEventBytes = 4 * 1024 * 1024;

export function relaySse(
  upstream: ReadableStream<Uint8Array>,
  options: RelayOptions,
): { body: ReadableStream<Uint8Array>; outcome: Promise<RelayOutcome> } {
  const state: RelayOutcome = {
    end: 'upstream_truncated',
    usage: undefined,
    contentChunks: 0,
    firstTokenAtMs: undefined,
  };
  let settle: (outcome: RelayOutcome) => void = () => undefined;
  const outcome = new Promise<RelayOutcome>((resolve) => (settle = resolve));
  const reader = upstream.getReader();
  const decoder = new TextDecoder('utf-8');
  // The response was sent before any event arrived: start with a comment so it flows at once.
  let pending: string[] = options.timing && options.timing.waitedForFirstMs > 0 ? [keepalive] : [];
  let finished = false;
  let sawEvent = false;
  const timedReader = createTimedReader(reader, options.timing);
  const capture =
    options.captureTextChars === undefined
      ? undefined
      : createTextCapture(options.captureTextChars);

  const finish = (end: RelayEnd) => {
    if (finished) return;
    finished = true;
    state.end = end;
    settle(capture === undefined ? { ...state } : { ...state, text: capture.result() });
  };
  const endWithError = (message: string) => {
    if (finished) return;
    pending.push(sseErrorEvent(message, 'upstream_error'));
    finish('upstream_truncated');
  };

  let sawFinish = false;

  const onEvent = (event: EventSourceMessage) => {
    if (finished) return;
    sawEvent = true;
    const reading = readChunk(event.data);
    switch (reading.kind) {
      case 'done':
        // A stream that never finished a choice is not a complete answer (RELIABILITY S5).
        if (sawFinish) {
          pending.push(sseEvent('[DONE]'));
          finish('done');
        } else {
          endWithError('The model server ended the stream without finishing the answer.');
        }
        return;
      case 'malformed':
        endWithError('The model server sent a malformed stream chunk.');
        return;
      case 'error':
        // The engine's own error text may carry internals; the client gets the gateway's words.
        pending.push(sseErrorEvent('The model server failed while generating.', 'upstream_error'));
        finish('upstream_error_event');
        return;
      case 'chunk':
        break;
    }
    sawFinish ||= reading.finishes;
    if (reading.carriesToken) {
      state.contentChunks += 1;
      state.firstTokenAtMs ??= options.clock.nowMs();
      if (capture !== undefined) capture.add(reading.chunk);
    }
    if (reading.usage) state.usage = reading.usage;
    if (reading.hasUsageField && !options.clientWantsUsage) {
      if (reading.choiceCount === 0) return;
      const { usage: _usage, ...rest } = reading.chunk;
      pending.push(sseEvent(JSON.stringify(rest)));
      return;
    }
    pending.push(sseEvent(event.data));
  };

  const parser = createParser({
    onEvent,
    onError: () => endWithError('The model server sent an oversized stream event.'),
    maxBufferSize: maxEventBytes,
  });

  /** The engine stream stopped before [DONE]: the client left, or the engine broke. */
  const endEarly = (message: string) => {
    if (finished) return;
    if (options.clientSignal?.aborted === true) {
      finish('client_cancelled');
      return;
    }
    endWithError(message);
  };

  const timeOut = (expiry: 'first_byte_timeout' | 'idle_timeout') => {
    pending.push(
      sseErrorEvent(
        expiry === 'idle_timeout'
          ? 'The model server stopped sending mid-stream.'
          : 'The model server did not start answering in time.',
        'upstream_timeout',
      ),
    );
    finish('upstream_timeout');
    options.timing?.onTimeout();
  };

  /** Reads until at least one whole event is ready or the stream is over. Never throws. */
  const fill = async () => {
    try {
      while (pending.length === 0 && !finished) {
        let result: ReadableStreamReadResult<Uint8Array> | WaitExpiry;
        try {
          result = await timedReader.read(sawEvent);
        } catch {
          endEarly('The model server connection broke mid-stream.');
          return;
        }
        if (result === 'keepalive') {
          // Clients and parsers ignore comment lines (RELIABILITY T2, S1).
          pending.push(keepalive);
          return;
        }
        if (typeof result === 'string') {
          timeOut(result);
          return;
        }
        if (result.done) {
          parser.feed(decoder.decode());
          endEarly('The model server ended the stream early.');
          return;
        }
        parser.feed(decoder.decode(result.value, { stream: true }));
      }
    } catch {
      // A defect here must still end the stream honestly and settle the usage row.
      endWithError('The gateway failed while relaying the stream.');
    }
  };

  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await fill();
      if (pending.length > 0) {
        controller.enqueue(encoder.encode(pending.join('')));
        pending = [];
      }
      if (finished) {
        controller.close();
        // Anything after [DONE] or an error is not forwarded; release the engine connection.
        reader.cancel().catch(() => undefined);
      }
    },
    cancel() {
      finish('client_cancelled');
      options.onCancel();
      reader.cancel().catch(() => undefined);
    },
  });

  return { body, outcome };
}
