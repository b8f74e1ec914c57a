import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A zero-work OpenAI-compatible upstream for the benchmarks: `POST /v1/chat/completions`, JSON or
 * SSE, with usage and a finish_reason, so every gateway does its full job (relay, usage capture)
 * and the only thing measured is the gateway. It ignores credentials and the edge's signature.
 *
 * Each content chunk carries the wall-clock time it was written (`emitted_at_ms`), so a client can
 * compare the gaps it sees with the gaps the upstream produced (streaming fidelity).
 *
 * Run as a child process: `node --import tsx bench/edge/upstream.ts --port=9700 [--interval-ms=20]
 * [--tokens=16]`. It prints `listening <port>` when ready.
 */

export interface UpstreamOptions {
  /** Delay between streamed content chunks; 0 writes them all at once. */
  intervalMs: number;
  /** Content chunks per answer. */
  tokens: number;
}

const wallMs = () => performance.timeOrigin + performance.now();

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

interface ChatBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

function usage(tokens: number) {
  return { prompt_tokens: 8, completion_tokens: tokens, total_tokens: 8 + tokens };
}

async function answer(req: IncomingMessage, res: ServerResponse, options: UpstreamOptions) {
  if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"not found","type":"invalid_request_error"}}');
    return;
  }
  const body = JSON.parse(await readBody(req)) as ChatBody;
  const model = body.model ?? 'bench';
  const id = 'chatcmpl-bench';
  const created = Math.floor(Date.now() / 1000);
  if (body.stream !== true) {
    const text = 'tok '.repeat(options.tokens).trimEnd();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' },
        ],
        usage: usage(options.tokens),
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta: object, finishReason: string | null) =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      emitted_at_ms: wallMs(),
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    })}\n\n`;
  let closed = false;
  res.on('close', () => (closed = true));
  res.write(chunk({ role: 'assistant', content: '' }, null));
  for (let i = 0; i < options.tokens && !closed; i++) {
    if (options.intervalMs > 0) await new Promise((r) => setTimeout(r, options.intervalMs));
    res.write(chunk({ content: 'tok ' }, null));
  }
  res.write(chunk({}, 'stop'));
  if (body.stream_options?.include_usage === true) {
    res.write(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usage(options.tokens) })}\n\n`,
    );
  }
  res.end('data: [DONE]\n\n');
}

export function createUpstream(options: UpstreamOptions): Server {
  const server = createServer((req, res) => {
    answer(req, res, options).catch(() => {
      if (!res.headersSent) res.writeHead(400);
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  return server;
}

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3));
}

if (process.argv[1] === import.meta.filename) {
  const port = flag('port', 9700);
  const server = createUpstream({ intervalMs: flag('interval-ms', 0), tokens: flag('tokens', 16) });
  server.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
