import path from 'node:path';
import { run } from './processes';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
/** The local binary, never `npx`: killing an npx wrapper leaves workerd running (TOOLCHAIN.md). */
export const wranglerBin = path.join(repoRoot, 'node_modules/.bin/wrangler');

/** Quiet, offline wrangler: no metrics, no account look-ups. */
export const wranglerEnv: NodeJS.ProcessEnv = {
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  NO_COLOR: '1',
};

export interface D1Target {
  /** `--remote` runs the same statements against the deployed database. */
  remote: boolean;
  /** Local state directory (wrangler's `--persist-to`); ignored for remote. */
  persistTo?: string;
  /** wrangler environment (`--env`), e.g. staging or production. */
  env?: string;
}

function targetArgs(target: D1Target): string[] {
  const args = target.remote ? ['--remote'] : ['--local'];
  if (!target.remote && target.persistTo) args.push('--persist-to', target.persistTo);
  if (target.env) args.push('--env', target.env);
  return args;
}

export async function applyMigrations(target: D1Target): Promise<void> {
  await run(wranglerBin, ['d1', 'migrations', 'apply', 'DB', ...targetArgs(target)], {
    ...wranglerEnv,
    CI: 'true',
  });
}

/** Runs SQL through `wrangler d1 execute --json` and returns the rows of each statement. */
export async function d1Execute<Row = Record<string, unknown>>(
  sql: string,
  target: D1Target,
): Promise<Row[][]> {
  let stdout: string;
  try {
    stdout = await run(
      wranglerBin,
      ['d1', 'execute', 'DB', ...targetArgs(target), '--json', '--command', sql],
      {
        ...wranglerEnv,
        CI: 'true',
      },
    );
  } catch (error) {
    // wrangler prints {"error":{"text":…}} on stdout; that line is what a person needs.
    const text = /"text":\s*"((?:[^"\\]|\\.)*)"/.exec(String(error))?.[1];
    if (text === undefined) throw error;
    const hint = /no such (table|column)/.test(text)
      ? ' (migrations not applied? run `npx wrangler d1 migrations apply DB --local`, or `npm start`)'
      : '';
    throw new Error(`D1: ${text}${hint}`);
  }
  const parsed = JSON.parse(stdout.slice(stdout.indexOf('['))) as { results: Row[] }[];
  return parsed.map((statement) => statement.results);
}
