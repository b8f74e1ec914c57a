import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../scripts/lib/wrangler';
import { e2eModel } from './stack-config';

/**
 * The report CLI (`npm run report`) against the local D1 the real stack wrote: the same SQL and
 * the same `wrangler d1 execute` path an operator uses with --remote.
 */

const run = promisify(execFile);
const edgeUrl = inject('edgeUrl');
const apiKey = inject('apiKey');
const tag = `e2e-report-${Date.now()}`;

async function report(...args: string[]): Promise<{ rows: Record<string, unknown>[] }> {
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(repoRoot, 'scripts/report.ts'),
      ...args,
      '--json',
      '--persist-to',
      inject('persistTo'),
    ],
    { cwd: repoRoot },
  );
  return JSON.parse(stdout) as { rows: Record<string, unknown>[] };
}

describe('reports over the stack’s own usage rows', () => {
  it('counts the requests of one tag, with their tokens and errors', async () => {
    const client = new OpenAI({
      baseURL: `${edgeUrl}/v1`,
      apiKey,
      maxRetries: 0,
      defaultHeaders: { 'x-switchyard-tag': tag },
    });
    const messages = [{ role: 'user' as const, content: 'Count me.' }];
    await client.chat.completions.create({ model: e2eModel, messages, max_tokens: 4 });
    await client.chat.completions.create({ model: e2eModel, messages, max_tokens: 4 });
    await client.chat.completions
      .create({ model: 'missing-model', messages })
      .catch(() => undefined);

    let row: Record<string, unknown> | undefined;
    for (let tries = 0; tries < 20 && row?.requests !== 3; tries++) {
      row = (await report('usage', '--by', 'tag')).rows.find((r) => r.group === tag);
      if (row?.requests !== 3) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(row).toMatchObject({ requests: 3, errors: 1, client_errors: 1 });
    expect(Number(row?.completion_tokens)).toBeGreaterThan(0);
  }, 60_000);

  it('runs the cost and quality reports on the same database', async () => {
    const cost = await report('cost');
    expect(cost.rows.find((r) => r.group === e2eModel)).toMatchObject({
      requests: expect.any(Number),
    });
    expect((await report('quality')).rows).toEqual(expect.any(Array));
  }, 60_000);
});
