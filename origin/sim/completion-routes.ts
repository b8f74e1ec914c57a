import { zValidator } from '@hono/zod-validator';
import { Hono, type Context } from 'hono';
import {
  chunksForStep,
  completionResponse,
  sseDone,
  sseEvent,
  usageChunk,
  type CompletionKind,
  type ResponseMeta,
} from './completion-chunks';
import {
  planCompletion,
  samplingParams,
  type CompletionPlan,
  type SamplingParams,
} from './completion-plan';
import { createGenerationSession, type GenerationSession } from './generation-session';
import { chatCompletionRequestSchema, completionRequestSchema } from './openai-schemas';
import { chatPromptInput, promptInputs, type PromptInput } from './prompt-input';
import type { SimAppDeps } from './sim-app-deps';
import { requestIdOf } from './request-id';
import { SimError } from './sim-error';
import { validationHook } from './validation-hook';

interface CompletionJob {
  kind: CompletionKind;
  model: string | undefined;
  prompts: PromptInput[];
  sampling: SamplingParams;
  stream: boolean;
  includeUsage: boolean;
}

/** `POST /v1/chat/completions` and `POST /v1/completions`, streaming and not. */
export function createCompletionRoutes(deps: SimAppDeps): Hono {
  return new Hono()
    .post(
      '/v1/chat/completions',
      zValidator('json', chatCompletionRequestSchema, validationHook),
      (c) => {
        const body = c.req.valid('json');
        return serveCompletion(c, deps, {
          kind: 'chat',
          model: body.model,
          prompts: [chatPromptInput(body.messages)],
          sampling: samplingParams(body),
          stream: body.stream === true,
          includeUsage: body.stream_options?.include_usage === true,
        });
      },
    )
    .post('/v1/completions', zValidator('json', completionRequestSchema, validationHook), (c) => {
      const body = c.req.valid('json');
      return serveCompletion(c, deps, {
        kind: 'text',
        model: body.model,
        prompts: promptInputs(body.prompt),
        sampling: samplingParams(body),
        stream: body.stream === true,
        includeUsage: body.stream_options?.include_usage === true,
      });
    });
}

async function serveCompletion(
  c: Context,
  deps: SimAppDeps,
  job: CompletionJob,
): Promise<Response> {
  const { runtime, clock, logger } = deps;
  const model = runtime.resolveModel(job.model);
  runtime.assertAcceptingWork();
  const planned = planCompletion(job.prompts, job.sampling, {
    maxModelLen: runtime.config.maxModelLen,
    simSeed: runtime.config.simSeed,
  });
  if (!planned.ok) throw new SimError('context_length_exceeded', planned.message);
  const { plan } = planned;

  const requestId = requestIdOf(c, deps);
  // vLLM derives the response id from the request id, so logs on both sides line up.
  const idPrefix = job.kind === 'chat' ? 'chatcmpl' : 'cmpl';
  const meta: ResponseMeta = {
    id: `${idPrefix}-${requestId}`,
    created: Math.floor(clock.nowMs() / 1000),
    model,
  };
  const session = createGenerationSession({
    runtime,
    clock,
    logger,
    requestId,
    plan,
    clientSignal: c.req.raw.signal,
  });
  const headers = { 'x-request-id': requestId };

  if (job.stream) {
    return new Response(sseBody(session, job, meta, plan), {
      headers: {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
      },
    });
  }
  if (!(await session.runToEnd())) {
    throw new SimError('client_closed', 'The client closed the request.');
  }
  return Response.json(completionResponse(job.kind, meta, plan), { headers });
}

/**
 * The SSE body: each pull waits for the next decode step and sends its chunks; after the last step
 * come the usage chunk (only with `include_usage`) and `data: [DONE]`. Cancelling the stream (the
 * client went away) aborts the session, which frees the batch slot at once.
 */
function sseBody(
  session: GenerationSession,
  job: CompletionJob,
  meta: ResponseMeta,
  plan: CompletionPlan,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const steps = session.steps();
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await steps.next();
      if (cancelled) return;
      if (next.done) {
        // An aborted stream just ends: no usage and no [DONE], so the client sees it was cut.
        if (!session.aborted) {
          if (job.includeUsage) {
            controller.enqueue(encoder.encode(sseEvent(usageChunk(job.kind, meta, plan))));
          }
          controller.enqueue(encoder.encode(sseDone));
        }
        controller.close();
        return;
      }
      for (const chunk of chunksForStep(job.kind, meta, plan, next.value, job.includeUsage)) {
        controller.enqueue(encoder.encode(sseEvent(chunk)));
      }
    },
    async cancel() {
      cancelled = true;
      session.abort();
      await steps.return();
    },
  });
}
