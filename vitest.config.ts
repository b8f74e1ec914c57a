import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;

/**
 * Three tiers (STYLE.md "Tests"):
 * - `origin`: sidecar and simulator in Node — pure functions, apps through `app.request()`,
 *   and real child processes;
 * - `worker`: the edge inside workerd with real local D1, KV and Durable Objects, migrations applied;
 * - `e2e`: the real stack (wrangler dev + sidecars + simulators) driven by the official `openai` client.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'origin',
          include: [
            'test/origin/**/*.test.ts',
            'test/contracts/**/*.test.ts',
            'test/scripts/**/*.test.ts',
            'test/dashboard/**/*.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        plugins: [
          cloudflareTest(async () => ({
            main: path.join(root, 'worker/index.ts'),
            wrangler: { configPath: path.join(root, 'wrangler.toml') },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations(path.join(root, 'migrations')),
                POOL_SECRET: 'test-pool-secret',
              },
            },
          })),
        ],
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
          setupFiles: ['test/worker/apply-migrations.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
          // One stack for the whole tier: files share it and run one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
