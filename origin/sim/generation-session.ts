import { blockHashes } from './block-hashes';
import { untilAborted, type Clock } from './clock';
import { completionTokens, tokensAtStep, type CompletionPlan } from './completion-plan';
import type { KvSequence } from './kv-cache';
import { interTokenMs, ttftMs } from './latency';
import type { Logger } from './logger';
import type { PromptInput } from './prompt-input';
import type { Reservation, Slot } from './scheduler';
import type { SimRuntime } from './sim-runtime';

export interface GenerationSessionOptions {
  runtime: SimRuntime;
  clock: Clock;
  logger: Logger;
  requestId: string;
  plan: CompletionPlan;
  prompts: readonly PromptInput[];
  /** vLLM's `cache_salt`: prompts with different salts never share prefix-cache blocks. */
  cacheSalt: string | undefined;
  /** Injected extra time before the first token; not divided by the speedup. */
  extraFirstTokenDelayMs: number;
  /** The HTTP request's signal: it aborts when the client disconnects. */
  clientSignal: AbortSignal;
}

/**
 * One request's trip through the engine: queue for a batch slot and KV blocks, then deliver the
 * plan's decode steps at the latency model's pace, counting tokens in the metrics. Whatever aborts
 * it (client disconnect, stream cancel, an injected fault) stops it at once and frees the slot,
 * as vLLM aborts a request whose client went away.
 */
export interface GenerationSession {
  /** False when the waiting queue was full: the request never entered the engine. */
  readonly admitted: boolean;
  /** Yields each step index when its time comes; ends early if the session is aborted. */
  steps(): AsyncGenerator<number, void, undefined>;
  /**
   * Holds the slot (taking it first if needed) without producing anything more until aborted:
   * a hung request.
   */
  hold(): Promise<void>;
  /** Ends the request and frees its slot; `reason` is logged (`request aborted` by default). */
  abort(reason?: string): void;
  readonly aborted: boolean;
}

interface KvReservation extends Reservation {
  sequences: KvSequence[];
}

export function createGenerationSession(options: GenerationSessionOptions): GenerationSession {
  const { runtime, clock, logger, requestId, plan, prompts, clientSignal } = options;
  const { config, scheduler, metrics, kvCache, latency } = runtime;
  const controller = new AbortController();
  const { signal } = controller;
  let slot: Slot<KvReservation> | undefined;
  let finished = false;
  let abortMessage = 'request aborted';
  const arrivedAtMs = clock.nowMs();

  const hashes = prompts.map((prompt) =>
    blockHashes(prompt.tokens, config.blockSize, options.cacheSalt),
  );
  /** Tokens prompt `p` holds after `steps` decode steps: its prompt plus its choices' output. */
  const heldTokens = (p: number, steps: number): number =>
    (prompts[p]?.tokenCount ?? 0) +
    plan.choices
      .filter((choice) => choice.promptIndex === p)
      .reduce((sum, choice) => sum + Math.min(choice.tokens.length, steps), 0);

  const reserve = (): KvReservation | undefined => {
    const sequences: KvSequence[] = [];
    for (const [p, prompt] of prompts.entries()) {
      const sequence = kvCache.allocate({
        blockHashes: hashes[p] ?? [],
        promptTokens: prompt.tokenCount,
        maxTokens: heldTokens(p, plan.stepCount),
      });
      if (sequence === undefined) {
        sequences.forEach((held) => held.release());
        return undefined;
      }
      sequences.push(sequence);
    }
    return { sequences, release: () => sequences.forEach((held) => held.release()) };
  };

  const ticket = scheduler.enqueue(signal, reserve);
  const granted = ticket.kind === 'queued' ? ticket.slot : Promise.resolve(undefined);

  const abort = (reason?: string): void => {
    if (reason !== undefined) abortMessage = reason;
    controller.abort();
  };
  const onClientAbort = (): void => abort();
  clientSignal.addEventListener('abort', onClientAbort, { once: true });
  signal.addEventListener(
    'abort',
    () => {
      clientSignal.removeEventListener('abort', onClientAbort);
      // The slot is freed here, not only in steps(): a stream nobody pulls any more never
      // resumes its generator, so its `finally` might never run.
      slot?.release();
      if (!finished) logger.info(abortMessage, { requestId });
    },
    { once: true },
  );
  if (clientSignal.aborted) abort();

  let started: Promise<KvReservation | undefined> | undefined;
  /** Waits for the slot once; later callers share the outcome. */
  const start = (): Promise<KvReservation | undefined> => (started ??= takeSlot());
  const takeSlot = async (): Promise<KvReservation | undefined> => {
    slot = await granted;
    if (slot === undefined) return undefined;
    if (signal.aborted) slot.release();
    const { sequences } = slot.reservation;
    const hitTokens = sequences.reduce((sum, sequence) => sum + sequence.hitTokens, 0);
    // The scheduler looks the prefix up when it admits the request, as vLLM's does.
    if (config.enablePrefixCaching) metrics.recordPrefixCacheQuery(plan.promptTokens, hitTokens);
    return slot.reservation;
  };

  async function* steps(): AsyncGenerator<number, void, undefined> {
    const reservation = await start();
    if (reservation === undefined || signal.aborted) return;
    try {
      const uncachedPromptTokens =
        plan.promptTokens -
        reservation.sequences.reduce((sum, sequence) => sum + sequence.hitTokens, 0);
      for (let step = 0; step < plan.stepCount; step++) {
        const batch = scheduler.stats();
        const delayMs =
          step === 0
            ? ttftMs(latency, { uncachedPromptTokens, batch }) + options.extraFirstTokenDelayMs
            : interTokenMs(latency, batch);
        if (!(await clock.sleep(delayMs, signal))) return;
        // A hung engine keeps every running request's slot and never produces another token.
        if (runtime.isHung()) return await untilAborted(signal);
        reservation.sequences.forEach((sequence, p) => sequence.grow(heldTokens(p, step + 1)));
        if (step === 0) {
          // Prompt tokens count once prefill is done, with the first token, as in vLLM V1: a
          // request stuck before its first token moves no counter at all.
          metrics.recordPromptTokens(plan.promptTokens);
          metrics.recordTimeToFirstToken((clock.nowMs() - arrivedAtMs) / 1000);
        }
        metrics.recordGenerationTokens(tokensAtStep(plan, step));
        yield step;
        if (signal.aborted) return;
      }
      finish();
    } finally {
      slot?.release();
      clientSignal.removeEventListener('abort', onClientAbort);
    }
  }

  function finish(): void {
    finished = true;
    for (const choice of plan.choices) metrics.recordRequestSuccess(choice.finishReason);
    logger.info('request finished', {
      requestId,
      promptTokens: plan.promptTokens,
      completionTokens: completionTokens(plan),
      finishReasons: plan.choices.map((choice) => choice.finishReason),
      durationMs: clock.nowMs() - arrivedAtMs,
    });
  }

  return {
    admitted: ticket.kind === 'queued',
    steps,
    hold: async () => {
      if ((await start()) !== undefined) await untilAborted(signal);
    },
    abort,
    get aborted() {
      return signal.aborted && !finished;
    },
  };
}
