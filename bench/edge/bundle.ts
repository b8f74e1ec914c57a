import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { BenchOutcome, Benchmark } from './context';

/** Item 5a of issue 8: the Worker bundle `wrangler deploy --dry-run` would upload, gzipped. */

const goalGzipBytes = 150 * 1000;

export const bundle: Benchmark = {
  name: 'bundle',
  async run(context): Promise<BenchOutcome> {
    const built = await context.lab.bundle();
    const source = readFileSync(built.file);
    const gzipBytes = gzipSync(source, { level: 9 }).length;
    context.progress(`bundle: ${source.length} bytes, ${gzipBytes} gzipped`);
    const results = {
      bytes: source.length,
      gzipBytes,
      goalGzipBytes,
      met: gzipBytes <= goalGzipBytes,
      wranglerSummary: built.wranglerSummary,
    };
    const markdown = [
      '| bundle | bytes | gzip -9 bytes | goal | met |',
      '|---|---:|---:|---:|---|',
      `| worker/index.ts → index.js | ${source.length} | ${gzipBytes} | ≤ ${goalGzipBytes} | ${results.met ? 'yes' : 'no'} |`,
      '',
      `wrangler: \`${built.wranglerSummary}\``,
    ].join('\n');
    return { results, markdown };
  },
};
