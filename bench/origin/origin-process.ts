import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { originRequestPayload, requestIdHeader, sign } from '../../contracts/signature';
import { freePort } from '../../test/origin/support/free-port';

/** One structured log line of the sidecar, or of the engine it wraps (`engine` set). */
export interface LogLine {
  tsMs: number;
  msg: string;
  fields: Record<string, unknown>;
  /** The simulator's own JSON line when the sidecar relayed one. */
  engine?: { tsMs: number; msg: string; fields: Record<string, unknown> };
}

export const benchSecret = 'bench-origin-pool-secret-0123456789';

export interface RunningSidecar {
  child: ChildProcess;
  url: string;
  lines: LogLine[];
  /** Resolves with the first line (already seen or future) that satisfies `predicate`. */
  waitFor(predicate: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine>;
  stop(): Promise<void>;
}

/**
 * Starts the bundled sidecar (`npm run build:origin` output) supervising the bundled simulator.
 * Heartbeats go to a closed port: these benchmarks read the processes' logs, not an edge.
 */
export async function startSidecar(bundleDir: string, args: string[]): Promise<RunningSidecar> {
  const [port, enginePort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      `${bundleDir}/sidecar.mjs`,
      '--replica-id=bench-1',
      `--port=${port}`,
      `--engine-port=${enginePort}`,
      '--edge-url=http://127.0.0.1:9',
      '--engine=vllm-sim',
      '--model=bench/llama-8b',
      '--served-model-name=bench',
      ...args,
    ],
    { env: { ...process.env, POOL_SECRET: benchSecret }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines: LogLine[] = [];
  const waiters: { predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    const parts = (pending + text).split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) {
      if (part === '') continue;
      const line = parseLine(part);
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.predicate(line))) waiter.resolve(line);
    }
  });
  const exited = once(child, 'exit');
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    lines,
    waitFor: (predicate, timeoutMs) =>
      new Promise((resolve, reject) => {
        const seen = lines.find(predicate);
        if (seen !== undefined) return resolve(seen);
        const timer = setTimeout(
          () => reject(new Error('timed out waiting for a log line')),
          timeoutMs,
        );
        waiters.push({
          predicate,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      }),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function parseLine(text: string): LogLine {
  const fields = JSON.parse(text) as Record<string, unknown>;
  const line: LogLine = { tsMs: Date.parse(String(fields.ts)), msg: String(fields.msg), fields };
  if (fields.source === 'engine' && line.msg.startsWith('{')) {
    const inner = JSON.parse(line.msg) as Record<string, unknown>;
    line.engine = { tsMs: Date.parse(String(inner.ts)), msg: String(inner.msg), fields: inner };
  }
  return line;
}

/** A streaming completion signed as the edge signs it. */
export async function signedStream(
  url: string,
  requestId: string,
  signal: AbortSignal,
): Promise<Response> {
  const path = '/v1/completions';
  const credential = await sign(
    benchSecret,
    'origin-request',
    originRequestPayload('POST', path, requestId),
    Date.now(),
  );
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { ...credential, [requestIdHeader]: requestId, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'bench',
      prompt: 'Go on.',
      max_tokens: 2000,
      ignore_eos: true,
      stream: true,
    }),
    signal,
  });
}

export const engineSaid = (msg: string) => (line: LogLine) => line.engine?.msg === msg;
export const sidecarSaid = (msg: string) => (line: LogLine) =>
  line.engine === undefined && line.msg === msg;
