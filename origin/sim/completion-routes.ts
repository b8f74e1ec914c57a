import { zValidator } from '@hono/zod-validator';
import { Hono, type Context } from 'hono';
import { completionResponse, type CompletionKind, type ResponseMeta } from './completion-chunks';
import {
  planCompletion,
  samplingParams,
  type CompletionPlan,
  type SamplingParams,
} from './completion-plan';
import { faultHeader, parseFaultPlan, type FaultPlan } from './fault-plan';
import { createGenerationSession, type GenerationSession } from './generation-session';
import { chatCompletionRequestSchema, completionRequestSchema } from './openai-schemas';
import { chatPromptInput, promptInputs, type PromptInput } from './prompt-input';
import type { SimAppDeps } from './sim-app-deps';
import { requestIdOf } from './request-id';
import { SimError } from './sim-error';
import { garbageBytes, sseBody } from './sse-body';
import { validationHook } from './validation-hook';

interface CompletionJob {
  kind: CompletionKind;
  model: string | undefined;
  prompts: PromptInput[];
  sampling: SamplingParams;
  stream: boolean;
  includeUsage: boolean;
  cacheSalt: string | undefined;
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
          cacheSalt: body.cache_salt ?? undefined,
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
        cacheSalt: body.cache_salt ?? undefined,
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
  const fault = faultFor(c, runtime.config.simFault);
  runtime.metrics.recordRequestReceived();
  runtime.countRequest();
  if (fault.crash) runtime.crash();
  if (fault.errorStatus !== undefined) {
    throw new SimError('injected_fault', 'Injected failure (fault injection)', null, {
      status: fault.errorStatus,
    });
  }
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
    prompts: job.prompts,
    cacheSalt: job.cacheSalt,
    extraFirstTokenDelayMs: fault.delayMs ?? 0,
    clientSignal: c.req.raw.signal,
  });
  if (!session.admitted) {
    throw new SimError('queue_full', 'Too many requests waiting; retry later.', null, {
      retryAfterSeconds: 1,
    });
  }
  if (fault.hang) {
    await session.hold();
    throw new SimError('client_closed', 'The client closed the request.');
  }
  const headers = { 'x-request-id': requestId };

  if (job.stream) {
    const body = sseBody({
      session,
      kind: job.kind,
      meta,
      plan,
      includeUsage: job.includeUsage,
      ending: fault.ending,
    });
    return new Response(body, {
      headers: {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
      },
    });
  }
  return await completeWithoutStream(session, job, meta, plan, fault, headers);
}

/** The request's fault plan: its `x-sim-fault` header if sent (400 if malformed), else the flag. */
function faultFor(c: Context, fromFlag: FaultPlan | undefined): FaultPlan {
  const header = c.req.header(faultHeader);
  if (header === undefined) return fromFlag ?? {};
  const parsed = parseFaultPlan(header);
  if (!parsed.ok) throw new SimError('bad_request', `${faultHeader}: ${parsed.message}`);
  return parsed.plan;
}

async function completeWithoutStream(
  session: GenerationSession,
  job: CompletionJob,
  meta: ResponseMeta,
  plan: CompletionPlan,
  fault: FaultPlan,
  headers: Record<string, string>,
): Promise<Response> {
  const limit = fault.ending?.afterTokens ?? Number.POSITIVE_INFINITY;
  const steps = session.steps();
  let sent = 0;
  while (sent < limit && !(await steps.next()).done) sent += 1;
  if (session.aborted) throw new SimError('client_closed', 'The client closed the request.');
  switch (sent < limit ? undefined : fault.ending?.how) {
    case undefined:
      return Response.json(completionResponse(job.kind, meta, plan), { headers });
    case 'stall':
      await session.hold();
      throw new SimError('client_closed', 'The client closed the request.');
    case 'sse-error':
      session.abort('request failed (fault injection)');
      throw new SimError('injected_fault', 'Engine error (fault injection)');
    case 'garbage':
      session.abort('request failed (fault injection)');
      return new Response(garbageBytes, {
        headers: { ...headers, 'content-type': 'application/json' },
      });
    case 'cut':
      session.abort('request failed (fault injection)');
      return new Response(
        new ReadableStream({ start: (controller) => controller.error(new Error('cut')) }),
        { headers },
      );
  }
}
