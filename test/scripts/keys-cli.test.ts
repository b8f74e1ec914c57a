import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../contracts/api-key';
import { applyMigrations, d1Execute, repoRoot } from '../../scripts/lib/wrangler';

/**
 * `npm run keys` end to end against real local D1 state in a scratch directory: wrangler runs
 * offline, about two seconds a call, so the whole life of one key is one test.
 */

const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');
let persistTo: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function keys(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      tsx,
      ['scripts/keys.ts', ...args, '--persist-to', persistTo],
      { cwd: repoRoot },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const json = (run: Run) => JSON.parse(run.stdout) as Record<string, unknown>;

beforeAll(async () => {
  persistTo = mkdtempSync(path.join(tmpdir(), 'switchyard-keys-'));
  await applyMigrations({ remote: false, persistTo });
}, 120_000);

afterAll(() => rmSync(persistTo, { recursive: true, force: true }));

describe('npm run keys on local D1', () => {
  it('creates, lists, rotates and revokes a key, storing only hashes', async () => {
    const hostileName = "O'Brien'); DROP TABLE api_keys;--";
    const created = await keys(
      'create',
      '--tenant',
      'acme',
      '--name',
      hostileName,
      '--rpm',
      '60',
      '--log-payloads',
      '--json',
    );
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const { key, secret } = json(created) as { key: { id: string }; secret: string };

    const listed = await keys('list', '--tenant', 'acme', '--json');
    expect(json(listed)).toMatchObject({
      data: [
        { id: key.id, name: hostileName, limits: { requestsPerMinute: 60 }, logPayloads: true },
      ],
    });
    expect(listed.stdout).not.toMatch(/hash/i);

    const rotated = json(await keys('rotate', key.id, '--json')) as {
      key: { id: string };
      secret: string;
    };
    expect(rotated.key.id).toBe(key.id);

    const [rows = []] = await d1Execute('SELECT * FROM api_keys;', { remote: false, persistTo });
    expect(rows).toEqual([
      expect.objectContaining({ key_hash: await hashApiKey(rotated.secret), log_payloads: 1 }),
    ]);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(JSON.stringify(rows)).not.toContain(rotated.secret);

    const revoked = await keys('revoke', key.id);
    expect(revoked).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Revoked key_/) });
    // Five wrangler calls of about 2 s each; the margin is for a loaded CI machine.
  }, 120_000);

  it('prints one line to stderr and exits 1 on bad input', async () => {
    const run = await keys('revoke');
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toMatch(/^keys: revoke needs a key id[^\n]*\n$/);
  });
});
