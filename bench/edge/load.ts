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
}

export interface LoadResult {
  /** Per request: full response time (non-stream) or time to first chunk (stream), ms. */
  latenciesMs: number[];
  requestsPerSecond: number;
  errors: number;
}

export async function runJsonLoad(spec: LoadSpec): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  const instance = autocannon({
    url: spec.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...spec.headers },
    body: spec.body,
    connections: spec.concurrency,
    duration: spec.durationMs / 1000,
    timeout: 10,
  });
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode === 200) latenciesMs.push(responseTimeMs);
    else errors++;
  });
  const result = await instance;
  errors += result.errors + result.timeouts;
  return { latenciesMs, requestsPerSecond: latenciesMs.length / (result.duration || 1), errors };
}

interface StreamTiming {
  ok: boolean;
  firstChunkMs: number;
}

function streamOnce(agent: Agent, spec: LoadSpec): Promise<StreamTiming> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    let firstChunkMs = Number.NaN;
    const req = request(
      spec.url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', ...spec.headers },
        timeout: 10_000,
      },
      (res) => {
        res.on('data', () => {
          if (Number.isNaN(firstChunkMs)) firstChunkMs = performance.now() - startedAt;
        });
        res.on('end', () => resolve({ ok: res.statusCode === 200, firstChunkMs }));
        res.on('error', () => resolve({ ok: false, firstChunkMs }));
      },
    );
    req.on('error', () => resolve({ ok: false, firstChunkMs }));
    req.on('timeout', () => req.destroy());
    req.end(spec.body);
  });
}

export async function runStreamLoad(spec: LoadSpec): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const latenciesMs: number[] = [];
  let errors = 0;
  let started = 0;
  const startedAt = performance.now();
  const deadline = startedAt + spec.durationMs;
  const worker = async () => {
    while (performance.now() < deadline && started < spec.maxRequests) {
      started++;
      const timing = await streamOnce(agent, spec);
      if (timing.ok) latenciesMs.push(timing.firstChunkMs);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
  const elapsedS = (performance.now() - startedAt) / 1000;
  agent.destroy();
  return { latenciesMs, requestsPerSecond: latenciesMs.length / elapsedS, errors };
}
