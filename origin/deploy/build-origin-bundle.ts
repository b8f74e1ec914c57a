import path from 'node:path';
import { build } from 'esbuild';

/** The runnable files `npm run build:origin` writes, relative to the output directory. */
export const bundleEntries = {
  /** The sidecar: `node sidecar.mjs --help`. */
  sidecar: 'sidecar.mjs',
  /** The simulator, found by the sidecar next to itself for `--engine vllm-sim`. */
  simulator: 'vllm-sim.mjs',
} as const;

const repoRoot = path.resolve(import.meta.dirname, '../..');

/**
 * Bundles the sidecar and the simulator into two self-contained ES modules for Node 20, so a GPU
 * host needs Node and these files only: no `npm install`, no TypeScript loader at run time.
 * Dependencies are bundled in; `createRequire` lets the CommonJS ones (prom-client) load Node's
 * built-in modules from inside an ES module.
 */
export async function buildOriginBundle(outDir: string): Promise<string[]> {
  const result = await build({
    entryPoints: {
      sidecar: path.join(repoRoot, 'origin/sidecar/main.ts'),
      'vllm-sim': path.join(repoRoot, 'origin/sim/main.ts'),
    },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'silent',
    metafile: true,
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  });
  return Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.mjs'));
}
