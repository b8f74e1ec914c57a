import type { Clock } from './clock';
import { completionTokens, tokensAtStep, type CompletionPlan } from './completion-plan';
import { interTokenMs, ttftMs, type LatencyConfig } from './latency';
import type { Logger } from './logger';
import type { SimRuntime } from './sim-runtime';
import type { Slot } from './scheduler';

export interface GenerationSessionOptions {
  runtime: SimRuntime;
  clock: Clock;
  logger: Logger;
  requestId: string;
  plan: CompletionPlan;
  /** The HTTP request's signal: it aborts when the client disconnects. */
  clientSignal: AbortSignal;
}

/**
 * One request's trip through the engine: wait for a batch slot, then deliver the plan's decode
 * steps at the latency model's pace, counting tokens in the metrics. Whatever aborts it (client
 * disconnect, stream cancel) stops it at once and frees the slot, as vLLM aborts a request whose
 * client went away; the abort is logged once as `request aborted`.
 */
export interface GenerationSession {
  /** Yields each step index when its time comes; ends early if the session is aborted. */
  steps(): AsyncGenerator<number, void, undefined>;
  /** Consumes all steps; resolves `false` if the session was aborted. */
  runToEnd(): Promise<boolean>;
  abort(): void;
  readonly aborted: boolean;
}

export function createGenerationSession(options: GenerationSessionOptions): GenerationSession {
  const { runtime, clock, logger, requestId, plan, clientSignal } = options;
  const { config, scheduler, metrics } = runtime;
  const latency: LatencyConfig = {
    ttftMs: config.simTtftMs,
    interTokenMs: config.simInterTokenMs,
    batchSlowdown: config.simBatchSlowdown,
  };
  const controller = new AbortController();
  const { signal } = controller;
  let slot: Slot | undefined;
  let finished = false;
  const startedAtMs = clock.nowMs();

  const abort = (): void => controller.abort();
  clientSignal.addEventListener('abort', abort, { once: true });
  signal.addEventListener(
    'abort',
    () => {
      clientSignal.removeEventListener('abort', abort);
      // The slot is freed here, not only in steps(): a stream nobody pulls any more never
      // resumes its generator, so its `finally` might never run.
      slot?.release();
      if (!finished) logger.info('request aborted', { requestId });
    },
    { once: true },
  );
  if (clientSignal.aborted) abort();

  async function* steps(): AsyncGenerator<number, void, undefined> {
    const acquired = await scheduler.acquire(signal);
    if (!acquired) return;
    slot = acquired;
    try {
      metrics.recordPromptTokens(plan.promptTokens);
      if (config.enablePrefixCaching) metrics.recordPrefixCacheQuery(plan.promptTokens, 0);
      let contextTokens = plan.promptTokens;
      for (let step = 0; step < plan.stepCount; step++) {
        const batch = scheduler.stats();
        const delayMs =
          step === 0
            ? ttftMs(latency, { promptTokens: plan.promptTokens, batch })
            : interTokenMs(latency, batch);
        if (!(await clock.sleep(delayMs, signal))) return;
        const produced = tokensAtStep(plan, step);
        contextTokens += produced;
        acquired.setContextTokens(contextTokens);
        metrics.recordGenerationTokens(produced);
        yield step;
        if (signal.aborted) return;
      }
      finish();
    } finally {
      acquired.release();
      clientSignal.removeEventListener('abort', abort);
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
      durationMs: clock.nowMs() - startedAtMs,
    });
  }

  return {
    steps,
    runToEnd: async () => {
      const iterator = steps();
      while (!(await iterator.next()).done) {
        // Nothing to do per step: a non-streaming response is built from the plan at the end.
      }
      return finished;
    },
    abort,
    get aborted() {
      return signal.aborted && !finished;
    },
  };
}
