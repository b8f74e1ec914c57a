import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { setTimeout as sleep } from 'node:timers/promises';
import { Hono } from 'hono';

/** What the fake engine saw of one request. */
export interface RecordedRequest {
  method: string;
  path: string;
  search: string;
  headers: Record<string, string>;
  body: string;
}

export interface FakeEngineOptions {
  /** Called between streamed tokens; tests pass a gate to control when each token is sent. */
  nextToken?: () => Promise<void>;
  /** Tokens per completion (default 3). */
  tokens?: number;
  /** Report zero generated tokens (a broken engine whose `/health` still says 200). */
  generatesNothing?: boolean;
  /** Status for `/health` (default 200). */
  healthStatus?: number;
  /** Use vLLM's older cache metric name. */
  legacyMetricNames?: boolean;
  /** Delay before answering any `/v1/*` request (a slow first generation). */
  responseDelayMs?: number;
}

/**
 * A small stand-in for vLLM's HTTP surface: `/health`, `/metrics`, `/v1/completions` (JSON or
 * SSE). It records requests and aborted streams so tests can see what reached the engine.
 */
export function createFakeEngine(options: FakeEngineOptions = {}) {
  const requests: RecordedRequest[] = [];
  const aborts: string[] = [];
  let generationTokensTotal = 0;
  let running = 0;
  const tokens = options.tokens ?? 3;
  const nextToken = options.nextToken ?? (() => Promise.resolve());
  const app = new Hono();

  app.get('/health', (c) => c.body(null, (options.healthStatus ?? 200) as 200));
  app.get('/metrics', (c) => {
    const cacheMetric = options.legacyMetricNames
      ? 'vllm:gpu_cache_usage_perc'
      : 'vllm:kv_cache_usage_perc';
    return c.text(
      [
        '# HELP vllm:num_requests_running Number of requests in model execution batches.',
        '# TYPE vllm:num_requests_running gauge',
        `vllm:num_requests_running{model_name="fake"} ${running}`,
        `vllm:num_requests_waiting{model_name="fake"} 0.0`,
        `${cacheMetric}{model_name="fake"} 0.25`,
        `vllm:generation_tokens_total{model_name="fake"} ${generationTokensTotal}`,
        '',
      ].join('\n'),
    );
  });

  app.all('/v1/*', async (c) => {
    const url = new URL(c.req.url);
    const body = await c.req.text();
    requests.push({
      method: c.req.method,
      path: url.pathname,
      search: url.search,
      headers: Object.fromEntries(c.req.raw.headers),
      body,
    });
    const parsed = (body === '' ? {} : JSON.parse(body)) as {
      stream?: boolean;
      fail_status?: number;
    };
    if (options.responseDelayMs !== undefined) await sleep(options.responseDelayMs);
    if (parsed.fail_status !== undefined) {
      const error = {
        message: 'rejected by fake',
        type: 'BadRequestError',
        param: null,
        code: parsed.fail_status,
      };
      return c.json({ error }, parsed.fail_status as 400);
    }
    const produced = options.generatesNothing ? 0 : tokens;
    if (parsed.stream !== true) {
      generationTokensTotal += produced;
      return c.json({
        object: 'text_completion',
        choices: [{ index: 0, text: produced === 0 ? '' : 'tok '.repeat(produced).trim() }],
        usage: { prompt_tokens: 1, completion_tokens: produced, total_tokens: produced + 1 },
      });
    }
    const requestId = c.req.header('x-request-id') ?? 'none';
    const encoder = new TextEncoder();
    let sent = 0;
    running += 1;
    const stream = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          if (sent > 0) await nextToken();
          if (sent === tokens) {
            controller.enqueue(encoder.encode('data: [DONE]\n\n'));
            controller.close();
            running -= 1;
            return;
          }
          sent += 1;
          generationTokensTotal += 1;
          const chunk = { choices: [{ index: 0, text: `t${sent}` }] };
          controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`));
        },
        cancel() {
          running -= 1;
          aborts.push(requestId);
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
  });

  return { app, requests, aborts, metrics: () => ({ generationTokensTotal, running }) };
}

export type FakeEngine = ReturnType<typeof createFakeEngine>;

export interface RunningServer {
  url: string;
  port: number;
  close: () => Promise<void>;
}

/** Serves a Hono app on a free loopback port. */
export async function listen(app: Hono, port = 0): Promise<RunningServer> {
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () =>
      resolve(started),
    );
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
