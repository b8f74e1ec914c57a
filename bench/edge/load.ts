import { Agent, request } from 'node:http';
import autocannon from 'autocannon';

/**
 * Closed-loop load on loopback: `concurrency` connections each send the next request as soon as
 * the previous one finished, for `durationMs` (streams: and never more than `maxRequests`;
 * autocannon's own `amount` would override its duration). Non-streamed
 * requests go through autocannon; streamed ones through a small node:http client, because
 * autocannon cannot time the first chunk of a response.
 */

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  body: string;
  concurrency: number;
  durationMs: number;
  maxRequests: number;
  /** Headers made fresh for each request (a signature bound to its request id and time). */
  headersFor?: () => Promise<Record<string, string>>;
  /** The status a successful response has (default 200); anything else counts as an error. */
  expectStatus?: number;
  /** `GET` sends no body (non-stream only); default `POST` with `body`. */
  method?: 'GET' | 'POST';
}

export interface LoadResult {
  /** Per request: full response time (non-stream) or time to first chunk (stream), ms. */
  latenciesMs: number[];
  requestsPerSecond: number;
  errors: number;
  /** Streams only: the time between consecutive chunks of each stream, ms. */
  chunkGapsMs?: number[];
}

export async function runJsonLoad(spec: LoadSpec): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  const instance = autocannon({
    url: spec.url,
    method: spec.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...spec.headers },
    ...(spec.method !== 'GET' && { body: spec.body }),
    connections: spec.concurrency,
    duration: spec.durationMs / 1000,
    timeout: 10,
  });
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode === (spec.expectStatus ?? 200)) latenciesMs.push(responseTimeMs);
    else errors++;
  });
  const result = await instance;
  errors += result.errors + result.timeouts;
  return { latenciesMs, requestsPerSecond: latenciesMs.length / (result.duration || 1), errors };
}

interface StreamTiming {
  ok: boolean;
  firstChunkMs: number;
  gapsMs: number[];
}

async function streamOnce(agent: Agent, spec: LoadSpec): Promise<StreamTiming> {
  const fresh = spec.headersFor === undefined ? {} : await spec.headersFor();
  return new Promise((resolve) => {
    const startedAt = performance.now();
    let firstChunkMs = Number.NaN;
    let lastChunkAt = Number.NaN;
    const gapsMs: number[] = [];
    const req = request(
      spec.url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', ...spec.headers, ...fresh },
        timeout: 10_000,
      },
      (res) => {
        res.on('data', () => {
          const now = performance.now();
          if (Number.isNaN(firstChunkMs)) firstChunkMs = now - startedAt;
          else gapsMs.push(now - lastChunkAt);
          lastChunkAt = now;
        });
        res.on('end', () =>
          resolve({ ok: res.statusCode === (spec.expectStatus ?? 200), firstChunkMs, gapsMs }),
        );
        res.on('error', () => resolve({ ok: false, firstChunkMs, gapsMs }));
      },
    );
    req.on('error', () => resolve({ ok: false, firstChunkMs, gapsMs }));
    req.on('timeout', () => req.destroy());
    req.end(spec.body);
  });
}

export async function runStreamLoad(spec: LoadSpec): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const latenciesMs: number[] = [];
  const chunkGapsMs: number[] = [];
  let errors = 0;
  let started = 0;
  const startedAt = performance.now();
  const deadline = startedAt + spec.durationMs;
  const worker = async () => {
    while (performance.now() < deadline && started < spec.maxRequests) {
      started++;
      const timing = await streamOnce(agent, spec);
      if (timing.ok) {
        latenciesMs.push(timing.firstChunkMs);
        chunkGapsMs.push(...timing.gapsMs);
      } else errors++;
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
  const elapsedS = (performance.now() - startedAt) / 1000;
  agent.destroy();
  return { latenciesMs, requestsPerSecond: latenciesMs.length / elapsedS, errors, chunkGapsMs };
}
