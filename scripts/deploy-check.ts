import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { run } from './lib/processes';
import { repoRoot, wranglerBin, wranglerEnv } from './lib/wrangler';

/**
 * `npm run deploy:check`: everything `wrangler deploy` would do, offline, for every environment —
 * the bundle builds (`--dry-run --outdir`), fits the size budget gzipped, and the committed binding
 * types and migrations agree with wrangler.toml and the drizzle schema. No Cloudflare account.
 */

/** Cloudflare's free-plan limit is 3 MB gzipped; ours is far tighter so cold starts stay fast. */
export const bundleBudgetGzipBytes = 150 * 1024;
export const environments = ['(top level)', 'staging', 'production'] as const;

async function bundleSize(env: (typeof environments)[number], outdir: string): Promise<number> {
  const args = [
    'deploy',
    '--dry-run',
    '--outdir',
    outdir,
    '--config',
    path.join(repoRoot, 'wrangler.toml'),
  ];
  if (env !== '(top level)') args.push('--env', env);
  await run(wranglerBin, args, wranglerEnv);
  return gzipSync(readFileSync(path.join(outdir, 'index.js'))).byteLength;
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'switchyard-deploy-check-'));
  const failures: string[] = [];
  try {
    for (const env of environments) {
      const bytes = await bundleSize(env, path.join(scratch, env.replace(/\W/g, '')));
      const kib = (bytes / 1024).toFixed(1);
      const ok = bytes <= bundleBudgetGzipBytes;
      console.log(
        `${ok ? 'ok  ' : 'FAIL'} ${env}: bundle ${kib} KiB gzipped (budget ${bundleBudgetGzipBytes / 1024} KiB)`,
      );
      if (!ok) failures.push(`${env} bundle is ${kib} KiB gzipped`);
    }
    await run(wranglerBin, ['types', 'worker/worker-configuration.d.ts', '--check'], wranglerEnv);
    console.log('ok   worker/worker-configuration.d.ts matches wrangler.toml');
    console.log(`ok   ${(await run('npx', ['tsx', 'scripts/check-migrations.ts'])).trim()}`);
  } catch (error) {
    failures.push(error instanceof Error ? error.message : String(error));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.error(`deploy check failed:\n- ${failures.join('\n- ')}`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
