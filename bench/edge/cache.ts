import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import type { Target } from './lab';
import { fmt, rotate, type BenchContext, type BenchOutcome, type Benchmark } from './context';
import { round, summarize, type Summary } from './stats';

/**
 * Item 3 of issue 8 and issue 5's numbers: how fast an exact-cache hit is answered at the edge,
 * and what a cacheable miss pays for the lookups (KV read, the CACHE_FLIGHT join, capturing the
 * answer) compared with a request that bypasses the cache. Sequential requests (c=1) on a
 * keep-alive connection through the Miniflare-API edge, zero-latency upstream; `direct` is the
 * upstream alone, for reference. Rounds interleave the modes so drift hits them all alike.
 */

type Mode = 'direct' | 'floor' | 'bypass' | 'miss' | 'hit';
const modes: Mode[] = ['direct', 'floor', 'bypass', 'miss', 'hit'];

const modeLabels: Record<Mode, string> = {
  direct: 'upstream alone (no edge)',
  floor: 'edge, unknown path (404 with no I/O: the local runtime’s own cost)',
  bypass: 'edge, cache bypassed (no temperature)',
  miss: 'edge, cacheable miss (temperature 0, new prompt each time)',
  hit: 'edge, exact hit (temperature 0, same prompt)',
};

let unique = 0;

function body(mode: Mode, model: string): string {
  const content =
    mode === 'miss' ? `Say hello, number ${Date.now()}-${(unique += 1)}.` : 'Say hello.';
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content }],
    max_tokens: 16,
    ...(mode === 'bypass' ? {} : { temperature: 0 }),
  });
}

function once(
  agent: Agent,
  url: string,
  headers: Record<string, string>,
  /** Undefined: a GET without a body. */
  payload: string | undefined,
  okStatus = 200,
) {
  return new Promise<{ ok: boolean; ms: number; cache: string | undefined }>((resolve) => {
    const startedAt = performance.now();
    const req = request(
      url,
      {
        method: payload === undefined ? 'GET' : 'POST',
        agent,
        headers: { 'content-type': 'application/json', ...headers },
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            ok: res.statusCode === okStatus,
            ms: performance.now() - startedAt,
            cache: res.headers['x-switchyard-cache'] as string | undefined,
          }),
        );
      },
    );
    req.on('error', () => resolve({ ok: false, ms: 0, cache: undefined }));
    req.on('timeout', () => req.destroy());
    req.end(payload);
  });
}

interface ModeResult extends Summary {
  mode: Mode;
  errors: number;
  /** Responses whose x-switchyard-cache was not what the mode expects. */
  unexpected: number;
}

const expectedHeader: Record<Mode, string | undefined> = {
  direct: undefined,
  floor: undefined,
  bypass: 'bypass',
  miss: 'miss',
  hit: 'hit-exact',
};

async function measure(context: BenchContext, targets: Target[]): Promise<ModeResult[]> {
  const direct = targets.find((t) => t.name === 'direct')!.endpoint('zero');
  const edge = targets.find((t) => t.name === 'miniflare')!.endpoint('zero');
  const rounds = context.smoke ? 1 : 5;
  const perRound = context.smoke ? 5 : 300;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples = new Map<Mode, { ms: number[]; errors: number; unexpected: number }>(
    modes.map((m) => [m, { ms: [], errors: 0, unexpected: 0 }]),
  );
  // A path no route answers: the Worker's not-found handler, before auth, usage and any binding.
  const floorUrl = new URL('/bench/floor', edge.url).href;
  const send = (mode: Mode) => {
    if (mode === 'floor') return once(agent, floorUrl, {}, undefined, 404);
    const endpoint = mode === 'direct' ? direct : edge;
    return once(agent, endpoint.url, endpoint.headers, body(mode, endpoint.model));
  };
  // Warm-up, and the one miss that stores the hit's entry.
  for (const mode of modes) for (let i = 0; i < 20; i += 1) await send(mode);
  for (let r = 0; r < rounds; r += 1) {
    for (const mode of rotate(modes, r)) {
      const side = samples.get(mode)!;
      for (let i = 0; i < perRound; i += 1) {
        const result = await send(mode);
        if (!result.ok) side.errors += 1;
        else side.ms.push(result.ms);
        if (result.ok && result.cache !== expectedHeader[mode]) side.unexpected += 1;
      }
      context.progress(`cache round ${r + 1}/${rounds} ${mode}: ${side.ms.length} samples`);
    }
  }
  agent.destroy();
  return modes.map((mode) => {
    const side = samples.get(mode)!;
    return { mode, ...summarize(side.ms), errors: side.errors, unexpected: side.unexpected };
  });
}

function markdown(results: ModeResult[], load: { before: number; after: number }): string {
  const by = (mode: Mode) => results.find((r) => r.mode === mode)!;
  const lines = [
    '| request | median ms | p99 ms | samples | errors | unexpected x-switchyard-cache |',
    '|---|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${modeLabels[r.mode]} | ${fmt(r.medianMs)} | ${fmt(r.p99Ms)} | ${r.count} | ${r.errors} | ${r.unexpected} |`,
    ),
    '',
    `- Exact hit, median through the edge: **${fmt(by('hit').medianMs)} ms** (goal ≤ 2 ms).`,
    `- The local runtime's floor, a 404 with no I/O, is ${fmt(by('floor').medianMs)} ms ` +
      `(${fmt(round(by('floor').medianMs - by('direct').medianMs))} ms above calling the upstream directly); ` +
      `the gateway's own work on a hit (auth, validation, cache key, KV read, replay; the usage row is ` +
      `written after the response) is hit − 404 = ${fmt(round(by('hit').medianMs - by('floor').medianMs))} ms at the median.`,
    `- What a cacheable miss pays for the lookups: **${fmt(round(by('miss').medianMs - by('bypass').medianMs))} ms** ` +
      `at the median, ${fmt(round(by('miss').p99Ms - by('bypass').p99Ms))} ms at p99 (miss − bypass).`,
    '',
    `1-minute load average ${fmt(load.before)} before and ${fmt(load.after)} after the run ` +
      '(2 cores; anything above 2 means the edge waited for a CPU and every number is inflated). ' +
      'Sequential requests (c=1), one keep-alive connection, through the Miniflare-API edge with ' +
      'local KV and Durable Objects (SQLite on this disk). In production a KV read that misses ' +
      'travels to a central store and costs more than here; hits of hot keys are served from the ' +
      'location’s cache.',
  ];
  return lines.join('\n');
}

export const cache: Benchmark = {
  name: 'cache',
  async run(context): Promise<BenchOutcome> {
    const targets = await context.lab.targets();
    const before = loadavg()[0] ?? Number.NaN;
    const results = await measure(context, targets);
    const load = { before, after: loadavg()[0] ?? Number.NaN };
    return { results: { modes: results, loadAverage: load }, markdown: markdown(results, load) };
  },
};
