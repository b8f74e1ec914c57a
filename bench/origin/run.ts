/**
 * `npm run bench:origin [-- --runs N]`: the origin benchmarks of issue 3, against the bundled
 * sidecar and simulator as processes. Writes bench/results/origin-<date>.json and the origin block
 * of bench/README.md. About two minutes on 2 cores.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { buildOriginBundle } from '../../origin/deploy/build-origin-bundle';
import { measureHang, type HangSample } from './hang-detection';
import { withOriginBlock } from './readme-block';
import { measureStartup, type StartupSample } from './startup-overhead';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Math.max(1, Number(values.runs));
const benchDir = import.meta.dirname;

const bundleDir = mkdtempSync(path.join(tmpdir(), 'bench-origin-'));
await buildOriginBundle(bundleDir);

const startup: Record<string, StartupSample[]> = { 'canary only': [], 'canary + 4 prompts': [] };
for (let i = 0; i < runs; i++) {
  startup['canary only']?.push(await measureStartup(bundleDir, 0));
  startup['canary + 4 prompts']?.push(await measureStartup(bundleDir, 4));
  process.stdout.write(`startup run ${i + 1}/${runs}\n`);
}
const hangRuns = Math.max(1, Math.ceil(runs / 2));
const hangs: HangSample[] = [];
for (let i = 0; i < hangRuns; i++) {
  hangs.push(await measureHang(bundleDir, 'under load'));
  hangs.push(await measureHang(bundleDir, 'idle'));
  process.stdout.write(`hang run ${i + 1}/${hangRuns}\n`);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const max = (values: number[]): number => Math.max(...values);
const ms = (value: number): string => `${Math.round(value)}`;

const date = new Date().toISOString().slice(0, 10);
const machine = `${cpus().length} × ${cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? 'cpu'}, Node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}`;
const resultsDir = path.join(benchDir, '../results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  path.join(resultsDir, `origin-${date}.json`),
  `${JSON.stringify({ date, machine, runs, startup, hangs }, null, 2)}\n`,
);

const startupRows = Object.entries(startup).map(([plan, samples]) =>
  [
    plan,
    ms(median(samples.map((s) => s.listeningToReadyMs))),
    ms(median(samples.map((s) => s.generationMs))),
    ms(median(samples.map((s) => s.overheadMs))),
    ms(max(samples.map((s) => s.overheadMs))),
  ].join(' | '),
);
const hangRows = (['under load', 'idle'] as const).map((scenario) => {
  const samples = hangs.filter((h) => h.scenario === scenario);
  const reasons = [...new Set(samples.map((s) => s.reason.replace(/[\d.]+ s$/, 'N s')))];
  return [
    scenario,
    ms(median(samples.map((s) => s.detectionMs))),
    ms(max(samples.map((s) => s.detectionMs))),
    reasons.join('; '),
  ].join(' | ');
});

const block = `
## Origin benchmarks (\`bench/origin/\`)

\`npm run bench:origin\` (\`-- --runs N\`, default 5) runs the bundled sidecar supervising the bundled
simulator as real processes, at real speed with the 8B-on-H100 latency profile, and reads both
processes' logs (one clock, millisecond timestamps). Raw numbers: \`bench/results/origin-<date>.json\`.

Run ${date} on ${machine}; ${runs} start-ups per plan, ${hangRuns} hangs per scenario.

**Engine listening → ready** (goal: at most 1 s beyond the warm-up generations themselves). The
overhead is listening-to-ready minus the time the engine spent generating the canary and the
warm-up prompts (from its own \`request finished\` lines): the \`/health\` poll (every 100 ms),
request handling and state changes.

| warm-up plan | listening → ready, median ms | generations, median ms | overhead, median ms | overhead, max ms |
| --- | ---: | ---: | ---: | ---: |
${startupRows.map((row) => `| ${row} |`).join('\n')}

**Hang detection** (goal: at most 10 s), default watchdog settings: \`/metrics\` every 1 s, stall
window 5 s, a canary after 5 s without a token, canary timeout 5 s. Measured from the simulator
logging \`engine hung\` (\`--sim-hang-after-requests=1\`: no token ever again, \`/health\` still 200)
to the sidecar logging \`replica failed\`. Under load, a client stream is running when the engine
hangs, and the stall window catches it (5 s plus up to one scrape); idle, the hang starts with the
watchdog's own first canary, which times out. An engine that hangs with nothing running is found
by the next canary: at most 5 s + 5 s = 10 s after its last token.

| scenario | detection, median ms | detection, max ms | verdict |
| --- | ---: | ---: | --- |
${hangRows.map((row) => `| ${row} |`).join('\n')}
`;

const readmePath = path.join(benchDir, '../README.md');
const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : undefined;
// Formatted as the repository formats Markdown, so `prettier --check` stays green.
const formatted = await format(block, { ...(await resolveConfig(readmePath)), parser: 'markdown' });
writeFileSync(readmePath, withOriginBlock(readme, formatted));
process.stdout.write(formatted);
