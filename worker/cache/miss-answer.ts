import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import type { GatewayDeps, ResponseCache } from '../ports';
import type { ExactKey } from './cache-key';
import type { CacheDecision } from './cache-policy';
import { answerFromJson, completeUsage, storable, type CachedAnswer } from './cached-answer';
import type { CachedRequest } from './cache-flow';
import { semanticRemember, type SemanticProbe } from './semantic-step';
import { captureStreamAnswer } from './stream-answer';

// The miss side of the cache flow (cache-flow.ts): once the request was forwarded, keep its
// answer when it is complete, store it in KV and the semantic index, and end the single flight so
// followers get it. A JSON answer is read whole on the request path (it is small and already
// complete); a stream is rebuilt on the side; every write runs in waitUntil.

export type Use = Extract<CacheDecision, { kind: 'use' }>;

export interface MissState {
  cache: ResponseCache;
  decision: Use;
  key: ExactKey;
  request: CachedRequest;
  /** This request leads a single flight and must end it, whatever happens. */
  leading: boolean;
  probe: SemanticProbe | undefined;
}

export const header = {
  status: 'x-switchyard-cache',
  key: 'x-switchyard-cache-key',
  similarity: 'x-switchyard-similarity',
} as const;

/**
 * Keeps a miss's answer once it is complete: at once for JSON, after a clean end for streams (the
 * bytes go to the client as they come, the answer is rebuilt on the side). Writes run in
 * `waitUntil`, so the client never waits for KV.
 */
export async function keepAnswer(
  c: Context<AppEnv>,
  deps: GatewayDeps,
  miss: MissState,
  response: Response,
): Promise<Response> {
  const headers = { [header.status]: 'miss', [header.key]: miss.key.kvKey };
  const keeps = miss.decision.write || miss.leading;
  if (!keeps || response.status !== 200 || response.body === null) {
    if (miss.leading) endFlight(c, deps, miss, undefined);
    return withHeaders(response, headers);
  }
  const draft = c.get('usage');
  const model = draft.servedModel ?? miss.request.model;
  if (draft.streamOutcome === undefined) {
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const answer = withRevision(
      answerFromJson(miss.request.endpoint, model, parsed, deps.clock.nowMs()),
      draft.modelRevision,
    );
    endFlight(c, deps, miss, answer);
    return withHeaders(new Response(text, response), headers);
  }
  const outcome = draft.streamOutcome;
  const body = response.body as ReadableStream<Uint8Array>;
  const capture = captureStreamAnswer(body, miss.request.endpoint);
  c.executionCtx.waitUntil(
    (async () => {
      let answer: CachedAnswer | undefined;
      try {
        const [choices, end] = await Promise.all([capture.choices, outcome]);
        // Only a stream that ended cleanly, with the engine's usage, is a complete answer (K2).
        if (choices !== undefined && end.end === 'done' && end.usage !== undefined) {
          answer = withRevision(
            storable({
              v: 1,
              endpoint: miss.request.endpoint,
              model,
              choices,
              usage: completeUsage(end.usage),
              storedAtMs: deps.clock.nowMs(),
            }),
            draft.modelRevision,
          );
        }
      } finally {
        endFlight(c, deps, miss, answer);
      }
    })(),
  );
  return withHeaders(new Response(capture.body, response), headers);
}

/** Stores the answer (if any and allowed) and hands it to the flight's followers, in waitUntil. */
export function endFlight(
  c: Context<AppEnv>,
  deps: GatewayDeps,
  miss: MissState,
  answer: CachedAnswer | undefined,
) {
  const text = answer === undefined ? undefined : JSON.stringify(answer);
  const requestId = c.get('requestId');
  const semantic = deps.semantic;
  const jobs: Promise<unknown>[] = [];
  if (text !== undefined && miss.decision.write) {
    jobs.push(miss.cache.store.put(miss.key.kvKey, text, miss.decision.ttlSeconds));
    if (semantic !== undefined && miss.probe !== undefined && miss.probe.vector.length > 0) {
      jobs.push(semanticRemember(semantic, miss.probe, miss.key));
    }
  }
  if (miss.leading && miss.cache.coalescer !== undefined) {
    jobs.push(miss.cache.coalescer.finish(miss.key.kvKey, requestId, text));
  }
  c.executionCtx.waitUntil(
    Promise.allSettled(jobs).then((results) => {
      for (const result of results) {
        if (result.status === 'rejected') {
          deps.logger.warn('cache write failed', { requestId, error: String(result.reason) });
        }
      }
    }),
  );
}

function withRevision(
  answer: CachedAnswer | undefined,
  modelRevision: string | undefined,
): CachedAnswer | undefined {
  return answer === undefined || modelRevision === undefined
    ? answer
    : { ...answer, modelRevision };
}

/** Sets headers in place; a response with immutable headers (a fetched one) is copied first. */
export function withHeaders(response: Response, headers: Record<string, string>): Response {
  const set = (target: Response) => {
    for (const [name, value] of Object.entries(headers)) target.headers.set(name, value);
    return target;
  };
  try {
    return set(response);
  } catch {
    return set(new Response(response.body, response));
  }
}
