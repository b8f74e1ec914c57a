import path from 'node:path';
import { parseArgs } from 'node:util';
import { columnsOf, toCsv } from '../worker/reports/csv';
import { reportRequest, reports, type ReportSpec } from '../worker/reports/report-catalog';
import { formatTable } from './lib/table';
import { d1Execute, repoRoot } from './lib/wrangler';

/**
 * `npm run report -- <usage|quality|cost> [--by …] [--from …] [--to …] [--remote] [--env …]
 * [--json|--csv]`: the report's SQL through `wrangler d1 execute`, against local state by default
 * or the deployed database with --remote. `npm run usage` is `report usage`.
 */

const dayMs = 24 * 60 * 60 * 1000;

const usage = `Usage: npm run report -- <report> [options]

Reports:
${Object.entries(reports)
  .map(([name, spec]) => `  ${name.padEnd(8)} ${spec.description} (by: ${spec.groups.join(', ')})`)
  .join('\n')}

Options:
  --by <group>       grouping, or several: --by model,key (default: model)
  --from <time>      start, inclusive: 2026-12-01 or 2026-12-01T12:00Z (default: 30 days before --to)
  --to <time>        end, exclusive; a bare date means the end of that day (default: now)
  --remote           the deployed D1 instead of local state (add --env staging|production)
  --persist-to <dir> local state directory (default: .wrangler/state)
  --json | --csv     machine-readable output (every column)
  --all-columns      every column in the terminal table too
`;

/** A bare date as --to covers that whole day, so `--from D --to D` is one day, not nothing. */
export function parseTime(value: string, endOfDay: boolean): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new Error(`'${value}' is not a date or time, such as 2026-12-01 or 2026-12-01T12:00Z`);
  return endOfDay && /^\d{4}-\d{2}-\d{2}$/.test(value) ? ms + dayMs : ms;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      by: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      remote: { type: 'boolean', default: false },
      env: { type: 'string' },
      'persist-to': { type: 'string' },
      json: { type: 'boolean', default: false },
      csv: { type: 'boolean', default: false },
      'all-columns': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length !== 1) {
    console.log(usage);
    process.exit(values.help ? 0 : 1);
  }
  const toMs = values.to === undefined ? Date.now() + 60_000 : parseTime(values.to, true);
  const fromMs = values.from === undefined ? toMs - 30 * dayMs : parseTime(values.from, false);
  // `--by model,key` prints one table per grouping, from one wrangler call.
  const groupings = values.by === undefined ? [undefined] : values.by.split(',');
  if (values.csv && groupings.length > 1) throw new Error('--csv takes a single --by grouping');
  const requests = groupings.map((by) => {
    const request = reportRequest(positionals[0] ?? '', by, { fromMs, toMs });
    if (!request.ok) throw new Error(request.message);
    return request;
  });

  const results = await d1Execute(requests.map((r) => r.sql).join('\n'), {
    remote: values.remote,
    env: values.env,
    persistTo: values['persist-to'] ?? path.join(repoRoot, '.wrangler/state'),
  });
  const tables = requests.map((request, i) => ({
    report: request.name,
    by: request.by,
    rows: results[i] ?? [],
  }));
  if (values.json) {
    const out = tables.map((table) => ({ ...table, fromMs, toMs }));
    console.log(JSON.stringify(out.length === 1 ? out[0] : out, null, 2));
    return;
  }
  if (values.csv) {
    const rows = tables[0]?.rows ?? [];
    process.stdout.write(toCsv(rows, columnsOf(rows)));
    return;
  }
  const where = values.remote ? `remote D1${values.env ? ` (${values.env})` : ''}` : 'local D1';
  for (const table of tables) {
    console.log(
      `${table.report} by ${table.by}, ${new Date(fromMs).toISOString()} → ${new Date(toMs).toISOString()}, ${where}\n`,
    );
    if (table.rows.length === 0) {
      console.log('(no requests in this range)\n');
      continue;
    }
    const shown: readonly string[] | undefined = values['all-columns']
      ? undefined
      : (reports[table.report] as ReportSpec).terminalColumns;
    const columns = columnsOf(table.rows)
      .filter((key) => shown === undefined || shown.includes(key))
      .map((key) => ({
        key,
        label: key === 'group' ? table.by : key.replace(/_/g, ' '),
      }));
    console.log(`${formatTable(table.rows, columns)}\n`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
