import { parseArgs } from 'node:util';
import path from 'node:path';
import {
  usageSummarySql,
  type UsageDimension,
  type UsageSummaryRow,
} from '../worker/reports/usage-summary';
import { formatTable } from './lib/table';
import { d1Execute, repoRoot } from './lib/wrangler';

/**
 * `npm run usage [-- --from 2026-12-01 --to 2026-12-02 --remote --env production --json]`:
 * requests, tokens, errors and p50/p95 latency per model and per key, straight from D1 through
 * `wrangler d1 execute` — local state by default, the deployed database with `--remote`.
 */

const dayMs = 24 * 60 * 60 * 1000;

function parseTime(value: string | undefined, fallbackMs: number, flag: string): number {
  if (value === undefined) return fallbackMs;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new Error(`${flag} must be a date or time, such as 2026-12-01 or 2026-12-01T12:00Z`);
  return ms;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      remote: { type: 'boolean', default: false },
      env: { type: 'string' },
      'persist-to': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const toMs = parseTime(values.to, Date.now() + 60_000, '--to');
  const fromMs = parseTime(values.from, toMs - 30 * dayMs, '--from');
  const target = {
    remote: values.remote,
    env: values.env,
    persistTo: values['persist-to'] ?? path.join(repoRoot, '.wrangler/state'),
  };

  const report: Record<UsageDimension, UsageSummaryRow[]> = { model: [], key: [] };
  for (const dimension of ['model', 'key'] as const) {
    const [rows] = await d1Execute<UsageSummaryRow>(
      usageSummarySql(dimension, { fromMs, toMs }),
      target,
    );
    report[dimension] = rows ?? [];
  }
  if (values.json) {
    console.log(JSON.stringify({ fromMs, toMs, ...report }, null, 2));
    return;
  }
  const metrics = [
    { key: 'requests', label: 'requests' },
    { key: 'prompt_tokens', label: 'prompt tokens' },
    { key: 'completion_tokens', label: 'completion tokens' },
    { key: 'errors', label: 'errors' },
    { key: 'p50_latency_ms', label: 'p50 ms' },
    { key: 'p95_latency_ms', label: 'p95 ms' },
  ];
  const where = values.remote ? `remote D1${values.env ? ` (${values.env})` : ''}` : 'local D1';
  console.log(
    `Usage ${new Date(fromMs).toISOString()} → ${new Date(toMs).toISOString()}, ${where}\n`,
  );
  console.log(formatTable(report.model, [{ key: 'group', label: 'model' }, ...metrics]));
  console.log('');
  console.log(formatTable(report.key, [{ key: 'group', label: 'key' }, ...metrics]));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
