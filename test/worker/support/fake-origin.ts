import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';

/**
 * A scripted OpenAI-compatible engine for app tests (RELIABILITY "a fake upstream is the
 * backbone"). Each request is recorded with its headers and body; the script decides the answer.
 */
export interface OriginScript {
  /** Content pieces streamed one per chunk, or joined for a non-stream answer. */
  tokens: string[];
  usage: { prompt_tokens: number; completion_tokens: number };
  /** Answer with this status and body instead of generating. */
  failWith?: { status: number; body: string };
  /** Stream only this many tokens, then end the body without [DONE]. */
  cutAfterTokens?: number;
  /** Stream this many tokens, then send an in-band error event. */
  errorAfterTokens?: number;
}

export interface RecordedRequest {
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export const defaultScript: OriginScript = {
  tokens: ['Hello', ' from', ' the', ' fake', ' engine', '.'],
  usage: { prompt_tokens: 11, completion_tokens: 6 },
};

export function createFakeOrigin(script: OriginScript = defaultScript) {
  const requests: RecordedRequest[] = [];
  const app = new Hono();

  app.post('/v1/:endpoint{.+}', async (c) => {
    const body = await c.req.json<Record<string, unknown>>();
    requests.push({ path: c.req.path, headers: Object.fromEntries(c.req.raw.headers), body });
    if (script.failWith) {
      return new Response(script.failWith.body, {
        status: script.failWith.status,
        headers: { 'content-type': 'application/json' },
      });
    }
    const model = String(body.model);
    if (c.req.path === '/v1/embeddings') {
      return c.json({
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.6, 0.8] }],
        model,
        usage: {
          prompt_tokens: script.usage.prompt_tokens,
          total_tokens: script.usage.prompt_tokens,
        },
      });
    }
    const usage = {
      ...script.usage,
      total_tokens: script.usage.prompt_tokens + script.usage.completion_tokens,
    };
    if (body.stream !== true) {
      return c.json({
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: 1,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: script.tokens.join('') },
            finish_reason: 'stop',
          },
        ],
        usage,
      });
    }
    const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
    return streamSSE(c, async (stream) => {
      const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
        JSON.stringify({
          id: 'chatcmpl-fake',
          object: 'chat.completion.chunk',
          created: 1,
          model,
          choices: [{ index: 0, delta, finish_reason: finish }],
        });
      await stream.writeSSE({ data: chunk({ role: 'assistant', content: '' }) });
      for (const [i, token] of script.tokens.entries()) {
        if (i === script.cutAfterTokens) return;
        if (i === script.errorAfterTokens) {
          await stream.writeSSE({
            data: JSON.stringify({
              error: { message: 'engine fault', type: 'InternalServerError', code: 500 },
            }),
          });
          return;
        }
        await stream.writeSSE({ data: chunk({ content: token }) });
      }
      await stream.writeSSE({ data: chunk({}, 'stop') });
      if (streamOptions?.include_usage === true) {
        await stream.writeSSE({
          data: JSON.stringify({
            id: 'chatcmpl-fake',
            object: 'chat.completion.chunk',
            created: 1,
            model,
            choices: [],
            usage,
          }),
        });
      }
      await stream.writeSSE({ data: '[DONE]' });
    });
  });

  return { app, requests, fetch: (request: Request) => Promise.resolve(app.fetch(request)) };
}
