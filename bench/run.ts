import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundle } from './edge/bundle';
import { cache } from './edge/cache';
import type { Benchmark } from './edge/context';
import { Lab } from './edge/lab';
import { memory } from './edge/memory';
import { overhead } from './edge/overhead';
import { environment, environmentMarkdown, updateReadme, writeResults } from './edge/report';
import { router } from './edge/router';
import { streaming } from './edge/streaming';
import { routing } from './routing/routing';
import { semantic } from './semantic/semantic';

/**
 * `npm run bench [-- <name>...] [--smoke] [--out=<dir>] [--base-port=<port>]`
 *
 * Runs the named benchmarks (all by default), writes bench/results/<name>-<date>.json and the
 * tables in bench/README.md. `--smoke` is the CI version: tiny, results to `--out` only, README
 * untouched. Everything started listens on 127.0.0.1, ports base-port … base-port+49, and is
 * stopped at the end, on failure or on Ctrl-C.
 */

const benchmarks: Benchmark[] = [
  overhead,
  streaming,
  cache,
  bundle,
  memory,
  routing,
  router,
  semantic,
];
const titles: Record<string, string> = {
  overhead: 'Edge overhead vs Portkey (zero-latency upstream)',
  streaming: 'Streaming fidelity (a chunk every 20 ms)',
  cache: 'Exact cache: hit latency and what a miss pays',
  bundle: 'Worker bundle size',
  memory: 'Sidecar and simulator memory under load',
  routing: 'Replica choice: prefix affinity vs round-robin and least-loaded',
  router: 'Model router: CPU time per decision and held-out quality',
  semantic: 'Semantic cache quality (local embedder, labelled pairs)',
};

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const smoke = args.includes('--smoke');
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !benchmarks.some((b) => b.name === n));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark ${unknown.join(', ')}; known: ${benchmarks.map((b) => b.name).join(', ')}`,
  );
  process.exit(2);
}
const selected = names.length === 0 ? benchmarks : benchmarks.filter((b) => names.includes(b.name));
const benchDir = import.meta.dirname;
const outDir = option('out') ?? path.join(benchDir, 'results');
const basePort = Number(option('base-port') ?? 9700);

const progress = (message: string) => console.log(`[bench] ${message}`);
const scratch = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-'));
const lab = new Lab({ basePort, scratch, progress });
const env = environment();
progress(environmentMarkdown(env));

let interrupted = false;
const onSignal = () => {
  if (interrupted) return;
  interrupted = true;
  progress('interrupted: stopping everything started');
  void lab.stop().finally(() => {
    rmSync(scratch, { recursive: true, force: true });
    process.exit(130);
  });
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

let failed = false;
try {
  for (const benchmark of selected) {
    progress(`— ${benchmark.name}${smoke ? ' (smoke)' : ''}`);
    const outcome = await benchmark.run({ lab, smoke, progress });
    const file = writeResults(outDir, benchmark.name, env, { smoke, ...outcome.results });
    progress(`${benchmark.name}: wrote ${path.relative(process.cwd(), file)}`);
    if (!smoke) {
      const title = titles[benchmark.name] ?? benchmark.name;
      await updateReadme(
        path.join(benchDir, 'README.md'),
        benchmark.name,
        title,
        `${environmentMarkdown(env)}\n\n${outcome.markdown}`,
      );
    }
    console.log(`\n${outcome.markdown}\n`);
  }
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await lab.stop();
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
