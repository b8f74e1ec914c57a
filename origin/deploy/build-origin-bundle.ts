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
 * V8 flags the sidecar runs with: the systemd unit's ExecStart and the memory benchmark. The
 * sidecar is a proxy with little live data (about 11 MB of heap when idle) and a high allocation
 * rate under load, and V8's defaults are tuned for throughput: 16 MB semi-spaces, eager heap
 * growth, a helper thread per core, each with its own allocator arenas. Under 32 concurrent
 * requests that took its RSS from about 65 MB to 145 MB. A 1 MB semi-space, slower heap growth
 * and one helper thread keep it near its live size; bench/README.md ("Sidecar and simulator
 * memory") measures both ways and the CPU the flags cost.
 */
export const sidecarNodeFlags = [
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
