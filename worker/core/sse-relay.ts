import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Clock } from '../ports';
import type { Usage } from './openai-schemas';
import { usageSchema } from './openai-schemas';

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

export type RelayEnd = 'done' | 'upstream_error_event' | 'upstream_truncated' | 'client_cancelled';

export interface RelayOutcome {
  end: RelayEnd;
  /** Last usage snapshot the engine sent, if any. */
  usage: Usage | undefined;
  /** Content-bearing chunks seen: a fallback completion-token count when usage never came. */
  contentChunks: number;
  firstTokenAtMs: number | undefined;
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
}

const encoder = new TextEncoder();

export function sseEvent(data: string): string {
  return `${data
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}

export function sseErrorEvent(message: string, code: string): string {
  return sseEvent(JSON.stringify({ error: { message, type: 'server_error', param: null, code } }));
}

interface ChunkView {
  choices?: { delta?: { content?: unknown; tool_calls?: unknown }; text?: unknown }[];
  usage?: unknown;
  error?: unknown;
}

function carriesToken(chunk: ChunkView): boolean {
  return (chunk.choices ?? []).some(
    (c) =>
      (typeof c.text === 'string' && c.text.length > 0) ||
      (typeof c.delta?.content === 'string' && c.delta.content.length > 0) ||
      c.delta?.tool_calls !== undefined,
  );
}

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
  let pending: string[] = [];
  let finished = false;

  const finish = (end: RelayEnd) => {
    if (finished) return;
    finished = true;
    state.end = end;
    settle({ ...state });
  };

  const onEvent = (event: EventSourceMessage) => {
    if (finished) return;
    if (event.data === '[DONE]') {
      pending.push(sseEvent('[DONE]'));
      finish('done');
      return;
    }
    let chunk: ChunkView;
    try {
      chunk = JSON.parse(event.data) as ChunkView;
    } catch {
      pending.push(
        sseErrorEvent('The model server sent a malformed stream chunk.', 'upstream_error'),
      );
      finish('upstream_truncated');
      return;
    }
    if (chunk.error !== undefined) {
      pending.push(sseEvent(event.data));
      finish('upstream_error_event');
      return;
    }
    if (carriesToken(chunk)) {
      state.contentChunks += 1;
      state.firstTokenAtMs ??= options.clock.nowMs();
    }
    if (chunk.usage !== undefined && chunk.usage !== null) {
      const parsed = usageSchema.safeParse(chunk.usage);
      if (parsed.success) state.usage = parsed.data;
      if (!options.clientWantsUsage) {
        if ((chunk.choices ?? []).length === 0) return;
        delete chunk.usage;
        pending.push(sseEvent(JSON.stringify(chunk)));
        return;
      }
    }
    pending.push(sseEvent(event.data));
  };

  const parser = createParser({ onEvent });

  /** The engine stream stopped before [DONE]: the client left, or the engine broke. */
  const endEarly = (message: string) => {
    if (finished) return;
    if (options.clientSignal?.aborted === true) {
      finish('client_cancelled');
      return;
    }
    pending.push(sseErrorEvent(message, 'upstream_error'));
    finish('upstream_truncated');
  };

  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Read until at least one whole event is ready, so every pull makes progress.
      while (pending.length === 0 && !finished) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch {
          endEarly('The model server connection broke mid-stream.');
          break;
        }
        if (result.done) {
          parser.feed(decoder.decode());
          endEarly('The model server ended the stream early.');
          break;
        }
        parser.feed(decoder.decode(result.value, { stream: true }));
      }
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
