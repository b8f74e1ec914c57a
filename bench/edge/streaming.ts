import { request } from 'node:http';
import { pacedIntervalMs, type Target, type TargetName } from './lab';
import { fmt, rotate, type BenchOutcome, type Benchmark } from './context';
import { percentile, round } from './stats';

/**
 * Item 2 of issue 8: an upstream writes a content chunk every 20 ms, stamped with the time it was
 * written. Through each side, every chunk must arrive in its own read, and the gap between two
 * arrivals must match the gap between the two writes within 1 ms at p95.
 */

interface StreamTrace {
  /** Per content chunk: arrival (client clock) and emission (upstream clock), ms. */
  chunks: { arrivedAtMs: number; emittedAtMs: number | undefined }[];
  /** Reads that completed more than one content chunk (coalesced by something in between). */
  coalescedReads: number;
  ok: boolean;
}

const wallMs = () => performance.timeOrigin + performance.now();

function traceStream(target: Target): Promise<StreamTrace> {
  const endpoint = target.endpoint('paced');
  const trace: StreamTrace = { chunks: [], coalescedReads: 0, ok: false };
  return new Promise((resolve) => {
    const req = request(
      endpoint.url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...endpoint.headers },
        timeout: 10_000,
      },
      (res) => {
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          const arrivedAtMs = wallMs();
          buffer += text;
          const events = buffer.split('\n\n');
          buffer = events.pop() ?? '';
          let content = 0;
          for (const event of events) {
            const data = event
              .split('\n')
              .find((l) => l.startsWith('data: '))
              ?.slice(6);
            if (data === undefined || data === '[DONE]') continue;
            const chunk = JSON.parse(data) as {
              emitted_at_ms?: number;
              choices?: { delta?: { content?: string } }[];
            };
            if (!chunk.choices?.[0]?.delta?.content) continue;
            content++;
            trace.chunks.push({ arrivedAtMs, emittedAtMs: chunk.emitted_at_ms });
          }
          if (content > 1) trace.coalescedReads++;
        });
        res.on('end', () => resolve({ ...trace, ok: res.statusCode === 200 }));
        res.on('error', () => resolve(trace));
      },
    );
    req.on('error', () => resolve(trace));
    req.on('timeout', () => req.destroy());
    req.end(
      JSON.stringify({
        model: endpoint.model,
        messages: [{ role: 'user', content: 'Count.' }],
        stream: true,
      }),
    );
  });
}

interface SideResult {
  target: TargetName;
  streams: number;
  failedStreams: number;
  chunks: number;
  coalescedReads: number;
  /** Whether the side kept the upstream's `emitted_at_ms` (else the nominal 20 ms is the reference). */
  timestampsKept: boolean;
  gapMedianMs: number;
  gapP95Ms: number;
  /** |arrival gap − emission gap|. Goal: p95 ≤ 1 ms. */
  gapErrorMedianMs: number;
  gapErrorP95Ms: number;
  gapErrorMaxMs: number;
}

export const streaming: Benchmark = {
  name: 'streaming',
  async run(context): Promise<BenchOutcome> {
    const targets = await context.lab.targets();
    const rounds = context.smoke ? 1 : 4;
    const perRound = context.smoke ? 1 : 3;
    const traces = new Map<TargetName, StreamTrace[]>(targets.map((t) => [t.name, []]));
    for (let r = 0; r < rounds; r++) {
      for (const target of rotate(targets, r)) {
        for (let i = 0; i < perRound; i++) traces.get(target.name)!.push(await traceStream(target));
      }
      context.progress(`streaming round ${r + 1}/${rounds}: ${perRound} streams per side done`);
    }
    const sides = targets.map((t): SideResult => {
      const list = traces.get(t.name)!;
      const gaps: number[] = [];
      const errors: number[] = [];
      let timestampsKept = true;
      for (const trace of list) {
        for (let i = 1; i < trace.chunks.length; i++) {
          const [prev, cur] = [trace.chunks[i - 1]!, trace.chunks[i]!];
          const gap = cur.arrivedAtMs - prev.arrivedAtMs;
          const emitted =
            cur.emittedAtMs !== undefined && prev.emittedAtMs !== undefined
              ? cur.emittedAtMs - prev.emittedAtMs
              : undefined;
          if (emitted === undefined) timestampsKept = false;
          gaps.push(gap);
          errors.push(Math.abs(gap - (emitted ?? pacedIntervalMs)));
        }
      }
      return {
        target: t.name,
        streams: list.length,
        failedStreams: list.filter((s) => !s.ok).length,
        chunks: list.reduce((n, s) => n + s.chunks.length, 0),
        coalescedReads: list.reduce((n, s) => n + s.coalescedReads, 0),
        timestampsKept,
        gapMedianMs: round(percentile(gaps, 50)),
        gapP95Ms: round(percentile(gaps, 95)),
        gapErrorMedianMs: round(percentile(errors, 50)),
        gapErrorP95Ms: round(percentile(errors, 95)),
        gapErrorMaxMs: round(Math.max(...errors)),
      };
    });
    const lines = [
      `Upstream: one content chunk every ${pacedIntervalMs} ms, 25 per stream. Gap error = |arrival gap − the upstream's write gap|.`,
      '',
      '| side | streams | chunks | coalesced reads | gap median ms | gap p95 ms | gap error median ms | gap error p95 ms (goal ≤ 1) | max ms |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...sides.map(
        (s) =>
          `| ${s.target} | ${s.streams - s.failedStreams}/${s.streams} | ${s.chunks} | ${s.coalescedReads} | ` +
          `${fmt(s.gapMedianMs)} | ${fmt(s.gapP95Ms)} | ${fmt(s.gapErrorMedianMs)} | ${fmt(s.gapErrorP95Ms)} | ${fmt(s.gapErrorMaxMs)} |`,
      ),
    ];
    return { results: { intervalMs: pacedIntervalMs, sides }, markdown: lines.join('\n') };
  },
};
