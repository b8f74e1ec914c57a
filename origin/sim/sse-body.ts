import {
  chunksForStep,
  sseDone,
  sseEvent,
  usageChunk,
  type CompletionKind,
  type ResponseMeta,
} from './completion-chunks';
import type { CompletionPlan } from './completion-plan';
import type { StreamEnding } from './fault-plan';
import type { GenerationSession } from './generation-session';

export interface SseBodyOptions {
  session: GenerationSession;
  kind: CompletionKind;
  meta: ResponseMeta;
  plan: CompletionPlan;
  includeUsage: boolean;
  /** An injected way for the stream to go wrong after some tokens. */
  ending: { how: StreamEnding; afterTokens: number } | undefined;
}

/** Bytes that are neither valid UTF-8 nor an SSE event: what a corrupted proxy might emit. */
export const garbageBytes = new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x7b, 0x0a, 0xc3, 0x28, 0x0a]);

/** The in-band error event vLLM sends when generation fails after the stream has started. */
export function inBandErrorEvent(): string {
  return sseEvent({
    error: { message: 'Engine error (fault injection)', type: 'InternalServerError', code: 500 },
  });
}

/**
 * The SSE body: each pull waits for the next decode step and sends its chunks; after the last
 * step come the usage chunk (only with `include_usage`) and `data: [DONE]`. Cancelling the stream
 * (the client went away) aborts the session, which frees the batch slot at once. An injected
 * ending replaces the rest of the stream once `afterTokens` steps were sent.
 */
export function sseBody(options: SseBodyOptions): ReadableStream<Uint8Array> {
  const { session, kind, meta, plan, includeUsage, ending } = options;
  const encoder = new TextEncoder();
  const steps = session.steps();
  let sent = 0;
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (ending !== undefined && sent === ending.afterTokens) {
        await endByFault(ending.how, controller);
        return;
      }
      const next = await steps.next();
      if (cancelled) return;
      if (next.done) {
        // An aborted stream just ends: no usage and no [DONE], so the client sees it was cut.
        if (!session.aborted) {
          if (includeUsage)
            controller.enqueue(encoder.encode(sseEvent(usageChunk(kind, meta, plan))));
          controller.enqueue(encoder.encode(sseDone));
        }
        controller.close();
        return;
      }
      sent += 1;
      for (const chunk of chunksForStep(kind, meta, plan, next.value, includeUsage)) {
        controller.enqueue(encoder.encode(sseEvent(chunk)));
      }
    },
    async cancel() {
      cancelled = true;
      session.abort();
      await steps.return();
    },
  });

  async function endByFault(
    how: StreamEnding,
    controller: ReadableStreamDefaultController<Uint8Array>,
  ): Promise<void> {
    switch (how) {
      case 'stall':
        // A pull that never settles: the generator stays parked with its slot held, and only the
        // client going away (cancel) ends the request.
        return new Promise<void>(() => undefined);
      case 'sse-error':
        session.abort('request failed (fault injection)');
        controller.enqueue(encoder.encode(inBandErrorEvent()));
        controller.close();
        return;
      case 'garbage':
        session.abort('request failed (fault injection)');
        controller.enqueue(garbageBytes);
        controller.close();
        return;
      case 'cut':
        session.abort('request failed (fault injection)');
        // Erroring the body makes the HTTP server destroy the socket mid-response.
        controller.error(new Error('connection cut (fault injection)'));
        return;
    }
  }
}
