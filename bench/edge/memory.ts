import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildOriginBundle } from '../../origin/deploy/build-origin-bundle';
import { fmt, type BenchOutcome, type Benchmark } from './context';
import { offsets } from './lab';
import { runJsonLoad, runStreamLoad } from './load';
import { round } from './stats';

/**
 * Item 5b of issue 8: resident memory of a real sidecar and its `vllm-sim` while the edge (the
 * Miniflare API side) sends them 32 concurrent requests, streamed and not. Sampled from /proc.
 */

const goalSidecarMb = 80;
const model = 'bench-sim';

function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** The simulator: the descendant of the sidecar whose command line runs origin/sim. */
function findSimulator(sidecarPid: number): number | undefined {
  const queue = children(sidecarPid);
  while (queue.length > 0) {
    const pid = queue.shift()!;
    const cmdline = (() => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    })();
    if (cmdline.includes('sim') && children(pid).length === 0) return pid;
    queue.push(...children(pid));
  }
  return undefined;
}

export const memory: Benchmark = {
  name: 'memory',
  async run(context): Promise<BenchOutcome> {
    const { lab } = context;
    await lab.targets();
    const edgeUrl = lab.url(offsets.miniflare);
    // The form a GPU host runs (npm run build:origin): plain node, no TypeScript loader.
    context.progress('building the origin bundle (npm run build:origin)');
    const bundleDir = path.join(lab.scratch, 'origin');
    await buildOriginBundle(bundleDir);
    context.progress(
      `starting a sidecar (:${lab.port(offsets.sidecar)}) with vllm-sim (:${lab.port(offsets.engine)})`,
    );
    const sidecar = lab.start(
      'sidecar',
      process.execPath,
      [
        path.join(bundleDir, 'sidecar.mjs'),
        '--replica-id=bench-sidecar',
        `--port=${lab.port(offsets.sidecar)}`,
        `--edge-url=${edgeUrl}`,
        '--engine=vllm-sim',
        `--model=${model}`,
        `--engine-port=${lab.port(offsets.engine)}`,
        '--engine-arg=--sim-speedup=10',
      ],
      { POOL_SECRET: lab.poolSecret },
    );
    await lab.waitFor(
      'the sidecar to be ready at the edge',
      async () => {
        const body = (await (await fetch(`${edgeUrl}/healthz`)).json()) as {
          replicas?: { ready: number };
        };
        return (body.replicas?.ready ?? 0) >= 3;
      },
      90_000,
    );
    const sidecarPid = sidecar.child.pid!;
    const simPid = findSimulator(sidecarPid);
    const idle = {
      sidecarMb: rssMb(sidecarPid) ?? NaN,
      simulatorMb: simPid ? (rssMb(simPid) ?? NaN) : NaN,
    };
    const peak = { ...idle };
    const sampler = setInterval(() => {
      peak.sidecarMb = Math.max(peak.sidecarMb, rssMb(sidecarPid) ?? 0);
      if (simPid) peak.simulatorMb = Math.max(peak.simulatorMb, rssMb(simPid) ?? 0);
    }, 100);
    const durationMs = context.smoke ? 500 : 10_000;
    const spec = (stream: boolean) => ({
      url: `${edgeUrl}/v1/chat/completions`,
      headers: { authorization: `Bearer ${lab.apiKey}` },
      body: JSON.stringify({
        model,
        messages: [{ role: 'user', content: 'Tell me a story.' }],
        max_tokens: 64,
        stream,
      }),
      concurrency: 32,
      durationMs,
      maxRequests: 100_000,
    });
    const loads = [];
    try {
      for (const stream of [false, true]) {
        const result = await (stream ? runStreamLoad : runJsonLoad)(spec(stream));
        loads.push({
          stream,
          requests: result.latenciesMs.length,
          errors: result.errors,
          requestsPerSecond: round(result.requestsPerSecond, 0),
        });
        context.progress(
          `memory: ${stream ? 'stream' : 'non-stream'} c=32 ${result.latenciesMs.length} requests, ` +
            `sidecar peak ${fmt(peak.sidecarMb, 1)} MB, vllm-sim peak ${fmt(peak.simulatorMb, 1)} MB`,
        );
      }
    } finally {
      clearInterval(sampler);
    }
    const results = {
      idle: { sidecarMb: round(idle.sidecarMb, 1), simulatorMb: round(idle.simulatorMb, 1) },
      peakUnderLoad: {
        sidecarMb: round(peak.sidecarMb, 1),
        simulatorMb: round(peak.simulatorMb, 1),
      },
      goalSidecarMb,
      met: peak.sidecarMb <= goalSidecarMb,
      loads,
    };
    const markdown = [
      `Load: 32 concurrent requests through the edge, ${durationMs / 1000} s non-stream then ${durationMs / 1000} s stream (vllm-sim at 10× speed, max_tokens 64). Both run as \`npm run build:origin\` bundles under plain node, as on a GPU host.`,
      '',
      '| process | RSS idle MB | RSS peak under load MB | goal |',
      '|---|---:|---:|---|',
      `| sidecar | ${fmt(idle.sidecarMb, 1)} | ${fmt(peak.sidecarMb, 1)} | ≤ ${goalSidecarMb} MB: ${results.met ? 'met' : 'missed'} |`,
      `| vllm-sim | ${fmt(idle.simulatorMb, 1)} | ${fmt(peak.simulatorMb, 1)} | – |`,
      '',
      `Requests: ${loads.map((l) => `${l.stream ? 'stream' : 'non-stream'} ${l.requests} (${l.requestsPerSecond} req/s, ${l.errors} errors)`).join('; ')}.`,
    ].join('\n');
    return { results, markdown };
  },
};
