import path from 'node:path';
import { build } from 'esbuild';

/** The runnable files `npm run build:origin` writes, relative to the output directory. */
export const bundleEntries = {
  /** The sidecar: `node sidecar.mjs --help`. */
  sidecar: 'sidecar.mjs',
  /** The simulator, found by the sidecar next to itself for `--engine vllm-sim`. */
  simulator: 'vllm-sim.mjs',
} as const;

/**
 * Opt-in V8 flags for a host short of memory (origin/deploy/README.md). The sidecar is a proxy
 * with ~11 MB of live heap and a high allocation rate, and Node's defaults trade memory for speed:
 * 16 MB semi-spaces, eager heap growth, a GC helper thread per core. These flags hold it near its
 * live size (145 → 84 MB RSS at 32 concurrent requests) but cost CPU: +18% per request at 32,
 * about +80% per stream and longer stalls between chunks at 256 streams. A GPU host has memory to
 * spare and serves hundreds of streams, so the unit runs Node's defaults; the memory benchmark
 * (bench/edge/memory.ts) measures both.
 */
export const leanSidecarNodeFlags = [
  '--max-semi-space-size=1',
  '--optimize-for-size',
  '--v8-pool-size=1',
] as const;

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
