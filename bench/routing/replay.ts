import { Agent, request } from 'node:http';
import type { InFlightCounter } from '../../worker/ports';
import type { Router } from './policies';
import type { ScheduledRequest } from './workload';

/**
 * Replays a workload open loop against the simulators directly (no edge in the path, so its
 * overhead is not mixed into the comparison): each request leaves at its scheduled time,
 * whatever is still in flight, goes where the router says, and is counted in flight there until
 * its stream ends, as the edge's in-flight counter does.
 */

export interface RequestOutcome {
  index: number;
  replicaId: string;
  /** Affinity only: the load bound sent it past its first-ranked replica. */
  spilled: boolean | undefined;
  ok: boolean;
  /** From sending the request to its first content chunk. */
  ttftMs: number | undefined;
  /**
   * How late the client sent it after its scheduled time: the client's own delay (a CPU-starved
   * load generator), kept out of TTFT and reported so a stalled client is visible.
   */
  lagMs: number;
}

export interface ReplayResult {
  outcomes: RequestOutcome[];
  /** Per replica: the most requests this client had in flight there at once. */
  peakInFlight: Map<string, number>;
}

export interface ReplayOptions {
  requests: readonly ScheduledRequest[];
  model: string;
  urls: ReadonlyMap<string, string>;
  router: Router;
  inFlight: InFlightCounter;
  /** Called once when the schedule reaches this time (e.g. to scrape metrics). */
  checkpoint?: { atMs: number; run: () => Promise<void> };
  timeoutMs: number;
}

const nowMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Streams one chat completion; resolves with the time its first content chunk arrived. */
function stream(
  url: string,
  agent: Agent,
  body: string,
  timeoutMs: number,
): Promise<{ ok: boolean; firstContentAtMs: number | undefined }> {
  return new Promise((resolve) => {
    let firstContentAtMs: number | undefined;
    let sawDone = false;
    const req = request(
      `${url}/v1/chat/completions`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
        timeout: timeoutMs,
      },
      (res) => {
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          buffer += text;
          const events = buffer.split('\n\n');
          buffer = events.pop() ?? '';
          for (const event of events) {
            const data = event.startsWith('data: ') ? event.slice(6) : undefined;
            if (data === '[DONE]') sawDone = true;
            if (firstContentAtMs !== undefined || data === undefined || data === '[DONE]') continue;
            // The first chunk carries the role and empty content: a token is what the user sees.
            const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string } }[] };
            if (chunk.choices?.[0]?.delta?.content) firstContentAtMs = nowMs();
          }
        });
        res.on('end', () => resolve({ ok: res.statusCode === 200 && sawDone, firstContentAtMs }));
        res.on('error', () => resolve({ ok: false, firstContentAtMs }));
      },
    );
    req.on('error', () => resolve({ ok: false, firstContentAtMs }));
    req.on('timeout', () => req.destroy());
    req.end(body);
  });
}

export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const peakInFlight = new Map<string, number>();
  const startMs = nowMs();
  const pending: Promise<RequestOutcome>[] = [];
  let checkpoint = options.checkpoint;
  for (const [index, scheduled] of options.requests.entries()) {
    if (checkpoint !== undefined && scheduled.atMs >= checkpoint.atMs) {
      await sleep(startMs + checkpoint.atMs - nowMs());
      await checkpoint.run();
      checkpoint = undefined;
    }
    await sleep(startMs + scheduled.atMs - nowMs());
    const sentAtMs = nowMs();
    const { replicaId, spilled } = options.router(scheduled, sentAtMs);
    const release = options.inFlight.acquire(replicaId);
    const inFlight = options.inFlight.get(replicaId);
    peakInFlight.set(replicaId, Math.max(peakInFlight.get(replicaId) ?? 0, inFlight));
    const body = JSON.stringify({
      model: options.model,
      messages: scheduled.messages,
      max_tokens: scheduled.answerTokens,
      ignore_eos: true,
      stream: true,
      cache_salt: scheduled.cacheSalt,
    });
    const dueMs = startMs + scheduled.atMs;
    pending.push(
      stream(options.urls.get(replicaId) ?? '', agent, body, options.timeoutMs).then(
        ({ ok, firstContentAtMs }) => {
          release();
          return {
            index,
            replicaId,
            spilled,
            ok,
            ttftMs: firstContentAtMs === undefined ? undefined : firstContentAtMs - sentAtMs,
            lagMs: sentAtMs - dueMs,
          };
        },
      ),
    );
  }
  const outcomes = await Promise.all(pending);
  agent.destroy();
  return { outcomes, peakInFlight };
}
