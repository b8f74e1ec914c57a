import path from 'node:path';
import { applyMigrations, repoRoot, wranglerBin, wranglerEnv } from './wrangler';
import {
  loadOrCreateIdentity,
  seedIdentity,
  writeEdgeEnvFile,
  type DevIdentity,
} from './dev-identity';
import { startProcess, stopProcess, type LineSink, type Managed } from './processes';

/**
 * The whole local stack: `wrangler dev` (Miniflare: local D1 with migrations applied, KV, Durable
 * Objects) and one sidecar per replica, each supervising a `vllm-sim` process. Used by `npm start`
 * and by the end-to-end tests, so both run exactly the same thing.
 */

export interface ReplicaSpec {
  id: string;
  port: number;
  enginePort: number;
  model: string;
  /** Extra simulator flags, e.g. `--sim-inter-token-ms=20`. */
  engineArgs?: string[];
}

export interface StackOptions {
  edgePort: number;
  replicas: ReplicaSpec[];
  /** Holds the development identity (dev.json) and the edge's env file. */
  stateDir: string;
  /** wrangler's local persistence directory (D1, KV, Durable Objects). */
  persistTo: string;
  onLine: LineSink;
  onProgress: (message: string) => void;
  readyTimeoutMs?: number;
}

export interface Stack {
  edgeUrl: string;
  identity: DevIdentity;
  stop(): Promise<void>;
}

async function poll(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const identity = loadOrCreateIdentity(options.stateDir);
  const envFile = writeEdgeEnvFile(options.stateDir, identity);
  const d1 = { remote: false, persistTo: options.persistTo };
  const processes: Managed[] = [];
  const stop = async () => {
    // Sidecars first: they drain, stop their simulators and announce `stopped` to the edge.
    await Promise.all(
      processes.filter((p) => p.name !== 'edge').map((p) => stopProcess(p, 15_000)),
    );
    await Promise.all(processes.filter((p) => p.name === 'edge').map((p) => stopProcess(p, 5_000)));
  };

  try {
    options.onProgress('applying D1 migrations to local state');
    await applyMigrations(d1);
    await seedIdentity(identity, d1);

    const edgeUrl = `http://127.0.0.1:${options.edgePort}`;
    options.onProgress(`starting the edge (wrangler dev) on ${edgeUrl}`);
    processes.push(
      startProcess(
        'edge',
        wranglerBin,
        [
          'dev',
          '--config',
          path.join(repoRoot, 'wrangler.toml'),
          '--ip',
          '127.0.0.1',
          '--port',
          String(options.edgePort),
          '--persist-to',
          options.persistTo,
          '--env-file',
          envFile,
          '--show-interactive-dev-session=false',
          '--inspector-port',
          String(options.edgePort + 1000),
        ],
        { env: wranglerEnv, onLine: options.onLine },
      ),
    );
    await poll(
      'the edge to listen',
      readyTimeoutMs,
      async () => (await fetch(`${edgeUrl}/`)).status === 404,
    );

    for (const replica of options.replicas) {
      options.onProgress(
        `starting replica ${replica.id} (sidecar :${replica.port}, vllm-sim :${replica.enginePort})`,
      );
      processes.push(
        startProcess(
          replica.id,
          process.execPath,
          [
            '--import',
            'tsx',
            path.join(repoRoot, 'origin/sidecar/main.ts'),
            `--replica-id=${replica.id}`,
            `--port=${replica.port}`,
            `--edge-url=${edgeUrl}`,
            '--engine=vllm-sim',
            `--model=${replica.model}`,
            `--engine-port=${replica.enginePort}`,
            ...(replica.engineArgs ?? []).map((arg) => `--engine-arg=${arg}`),
          ],
          { env: { POOL_SECRET: identity.poolSecret }, onLine: options.onLine },
        ),
      );
    }
    await Promise.all(
      options.replicas.map((replica) =>
        poll(`replica ${replica.id} to be ready`, readyTimeoutMs, async () => {
          return (await fetch(`http://127.0.0.1:${replica.port}/readyz`)).ok;
        }),
      ),
    );
    const models = new Set(options.replicas.map((r) => r.model));
    await poll('the edge to list every model', readyTimeoutMs, async () => {
      const response = await fetch(`${edgeUrl}/v1/models`, {
        headers: { authorization: `Bearer ${identity.apiKey}` },
      });
      const body = (await response.json()) as { data?: { id: string }[] };
      const listed = new Set((body.data ?? []).map((m) => m.id));
      return [...models].every((m) => listed.has(m));
    });
    return { edgeUrl, identity, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
