import path from 'node:path';
import { applyMigrations, repoRoot, wranglerBin, wranglerEnv } from './wrangler';
import {
  loadOrCreateIdentity,
  seedIdentity,
  writeEdgeEnvFile,
  type DevIdentity,
} from './dev-identity';
import { seedDevPrices } from './dev-prices';
import { assertPortsFree } from './ports';
import { startProcess, stopProcess, type LineSink, type Managed } from './processes';

/**
 * The whole local stack: `wrangler dev` (Miniflare: local D1 with migrations applied, KV, Durable
 * Objects, Queues) and one sidecar per replica, each supervising a `vllm-sim` process. Used by
 * `npm start` and by the end-to-end tests, so both run exactly the same thing.
 *
 * `launchStack` returns at once; `ready` settles when everything serves. `stop()` may be called at
 * any moment, start-up included, and stops whatever has been started so far.
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
  ready: Promise<void>;
  stop(): Promise<void>;
}

class StackStopped extends Error {
  constructor() {
    super('the stack was stopped while starting');
  }
}

export function launchStack(options: StackOptions): Stack {
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const identity = loadOrCreateIdentity(options.stateDir);
  const edgeUrl = `http://127.0.0.1:${options.edgePort}`;
  const inspectorPort = options.edgePort + 1000;
  const processes: Managed[] = [];
  let stopping = false;
  let stopped: Promise<void> | undefined;

  const stop = () => {
    stopping = true;
    // Sidecars first: they drain, stop their simulators and announce `stopped` to the edge.
    stopped ??= (async () => {
      await Promise.all(
        processes.filter((p) => p.name !== 'edge').map((p) => stopProcess(p, 15_000)),
      );
      await Promise.all(
        processes.filter((p) => p.name === 'edge').map((p) => stopProcess(p, 5_000)),
      );
    })();
    return stopped;
  };

  /** Polls until `check` passes; fails early when stopped or when a started process died. */
  const waitFor = async (what: string, check: () => Promise<boolean>) => {
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (stopping) throw new StackStopped();
      const dead = processes.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
      if (dead) throw new Error(`${dead.name} exited while starting (see its lines above)`);
      if (await check().catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`timed out after ${readyTimeoutMs} ms waiting for ${what}`);
  };

  const start = (name: string, command: string, args: string[], env: NodeJS.ProcessEnv) => {
    if (stopping) throw new StackStopped();
    processes.push(startProcess(name, command, args, { env, onLine: options.onLine }));
  };

  const ready = (async () => {
    await assertPortsFree([
      { port: options.edgePort, use: 'edge' },
      { port: inspectorPort, use: 'edge inspector' },
      ...options.replicas.flatMap((r) => [
        { port: r.port, use: `${r.id} sidecar` },
        { port: r.enginePort, use: `${r.id} engine` },
      ]),
    ]);
    const envFile = writeEdgeEnvFile(options.stateDir, identity);
    const d1 = { remote: false, persistTo: options.persistTo };
    options.onProgress('applying D1 migrations to local state');
    await applyMigrations(d1);
    await seedIdentity(identity, d1);
    await seedDevPrices(d1);

    options.onProgress(`starting the edge (wrangler dev) on ${edgeUrl}`);
    start(
      'edge',
      wranglerBin,
      [
        'dev',
        ...['--config', path.join(repoRoot, 'wrangler.toml')],
        ...['--ip', '127.0.0.1', '--port', String(options.edgePort)],
        ...['--persist-to', options.persistTo, '--env-file', envFile],
        '--show-interactive-dev-session=false',
        ...['--inspector-port', String(inspectorPort)],
      ],
      wranglerEnv,
    );
    await waitFor('the edge to listen', async () => {
      const response = await fetch(`${edgeUrl}/healthz`);
      const body = (await response.json()) as { replicas?: unknown };
      return body.replicas !== undefined;
    });

    for (const replica of options.replicas) {
      options.onProgress(
        `starting ${replica.id}: sidecar :${replica.port}, vllm-sim :${replica.enginePort}`,
      );
      start(
        replica.id,
        process.execPath,
        [
          ...['--import', 'tsx', path.join(repoRoot, 'origin/sidecar/main.ts')],
          `--replica-id=${replica.id}`,
          `--port=${replica.port}`,
          `--edge-url=${edgeUrl}`,
          '--engine=vllm-sim',
          `--model=${replica.model}`,
          `--engine-port=${replica.enginePort}`,
          ...(replica.engineArgs ?? []).map((arg) => `--engine-arg=${arg}`),
        ],
        { POOL_SECRET: identity.poolSecret },
      );
    }
    // Ready means the edge itself counts every replica ready, so the first request can be served.
    await waitFor('every replica to be ready at the edge', async () => {
      const body = (await (await fetch(`${edgeUrl}/healthz`)).json()) as {
        replicas: { ready: number };
      };
      return body.replicas.ready >= options.replicas.length;
    });
  })();

  // Whatever failed, nothing that was started is left running.
  const settled = ready.catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { edgeUrl, identity, ready: settled, stop };
}

export function isStackStopped(error: unknown): boolean {
  return error instanceof StackStopped;
}
