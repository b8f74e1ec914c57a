export interface RelayHooks {
  /** The body ended: fully read, failed, or cancelled. Called once. */
  onEnd(): void;
  /** The consumer cancelled (the edge went away); runs before `onEnd`. */
  onCancel(reason: unknown): void;
  /** The engine's body broke (the engine died or was killed mid-response); runs before `onEnd`. */
  onError?(error: unknown): void;
}

/**
 * Passes a body through untouched while noticing when it ends. `highWaterMark: 0` makes it pull
 * only when the consumer reads, so nothing is read ahead or buffered: each engine chunk is
 * handed on as it arrives (S6), and cancellation reaches the engine body at once.
 */
export function relayBody(
  source: ReadableStream<Uint8Array>,
  hooks: RelayHooks,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    hooks.onEnd();
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const chunk = await reader.read();
          if (chunk.done) {
            end();
            controller.close();
          } else {
            controller.enqueue(chunk.value);
          }
        } catch (error) {
          hooks.onError?.(error);
          end();
          // Erroring the body makes the server cut the connection: the edge must see a broken
          // response, never one that looks complete.
          controller.error(error);
        }
      },
      async cancel(reason) {
        hooks.onCancel(reason);
        end();
        await reader.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
