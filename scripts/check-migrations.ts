import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from './lib/processes';
import { repoRoot } from './lib/wrangler';

/**
 * `npm run db:check`: fails when worker/db/schema.ts has changes that migrations/ lacks. It lets
 * drizzle-kit generate into a scratch copy of migrations/; any new file there is a missing migration.
 * (test/worker/schema-migrations.test.ts checks the other direction on a real D1.)
 */
async function main(): Promise<void> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'switchyard-migrations-'));
  try {
    cpSync(path.join(repoRoot, 'migrations'), scratch, { recursive: true });
    const before = new Set(readdirSync(scratch));
    // drizzle-kit reads --out relative to the working directory, even when it is absolute.
    process.chdir(repoRoot);
    const output = await run(path.join(repoRoot, 'node_modules/.bin/drizzle-kit'), [
      'generate',
      '--dialect=sqlite',
      '--schema=worker/db/schema.ts',
      `--out=${path.relative(repoRoot, scratch)}`,
    ]);
    const added = readdirSync(scratch).filter((f) => !before.has(f));
    if (!/No schema changes/.test(output) || added.length > 0) {
      console.error(output);
      console.error(
        `migrations/ is behind worker/db/schema.ts; run \`npm run db:generate\` (would add ${added.join(', ')})`,
      );
      process.exit(1);
    }
    console.log('migrations/ matches worker/db/schema.ts');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
