import path from 'node:path';
import { Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';

/**
 * The built Worker bundle in workerd through the Miniflare API, without `wrangler dev`'s proxy
 * worker in front: client → workerd socket → Worker. Bindings (D1, KV, Durable Objects, Queues,
 * vars) come from wrangler.toml through wrangler's own mapping, so they cannot drift from what
 * `wrangler dev` runs; D1 state is the seeded `--persist-to` directory of the benchmark.
 *
 * Child process entry: `node --import tsx bench/edge/miniflare-edge.ts <bundle.js> <port>
 * <persistTo>` with POOL_SECRET and ADMIN_TOKEN in the environment (never on a command line).
 * Prints `ready <url>`; stops workerd on SIGTERM.
 */

const [scriptPath, port, persistTo] = process.argv.slice(2);
const { POOL_SECRET, ADMIN_TOKEN } = process.env;
if (!scriptPath || !port || !persistTo || !POOL_SECRET || !ADMIN_TOKEN) {
  throw new Error(
    'usage: POOL_SECRET=… ADMIN_TOKEN=… miniflare-edge.ts <bundle.js> <port> <persistTo>',
  );
}
const repoRoot = path.resolve(import.meta.dirname, '../..');
const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(repoRoot, 'wrangler.toml'));

const mf = new Miniflare({
  ...workerOptions,
  name: 'switchyard',
  modules: true,
  scriptPath,
  modulesRoot: path.dirname(scriptPath),
  bindings: { ...(workerOptions.bindings as Record<string, unknown>), POOL_SECRET, ADMIN_TOKEN },
  host: '127.0.0.1',
  port: Number(port),
  d1Persist: path.join(persistTo, 'v3', 'd1'),
  kvPersist: path.join(persistTo, 'v3', 'kv'),
  durableObjectsPersist: path.join(persistTo, 'v3', 'do'),
  verbose: false,
});
const url = await mf.ready;
console.log(`ready ${url.origin}`);
process.on('SIGTERM', () => {
  mf.dispose().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
