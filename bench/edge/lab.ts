import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  loadOrCreateIdentity,
  seedIdentity,
  writeEdgeEnvFile,
  type DevIdentity,
} from '../../scripts/lib/dev-identity';
import { run, startProcess, stopProcess, type Managed } from '../../scripts/lib/processes';
import { applyMigrations, repoRoot, wranglerBin, wranglerEnv } from '../../scripts/lib/wrangler';
import { startHeartbeats, type HeartbeatPump } from './heartbeats';

/**
 * Everything a benchmark run starts, on loopback ports `basePort + offset` (9700–9799 by default):
 * the upstreams, the edge twice (`wrangler dev` and the Miniflare API), Portkey, and on demand a
 * real sidecar + simulator. Started once per run, shared by the benchmarks, always stopped.
 */

export type UpstreamKind = 'zero' | 'paced';
export type TargetName =
  | 'direct'
  | 'wrangler-dev'
  | 'miniflare'
  | 'portkey'
  /** The Miniflare edge answering a path no route serves: the local runtime's own cost. */
  | 'miniflare-404';

export interface Endpoint {
  url: string;
  headers: Record<string, string>;
  model: string;
}

export interface Target {
  name: TargetName;
  endpoint(upstream: UpstreamKind): Endpoint;
}

export const offsets = {
  zeroUpstream: 0,
  pacedUpstream: 1,
  wranglerDev: 10,
  wranglerInspector: 11,
  miniflare: 20,
  portkey: 30,
  sidecar: 40,
  engine: 41,
  /** The routing benchmark's simulators, 42–45 (bench/routing/). */
  routingSims: 42,
} as const;

/** The paced upstream's token interval (streaming fidelity). */
export const pacedIntervalMs = 20;

const chatPath = '/v1/chat/completions';
const models: Record<UpstreamKind, string> = { zero: 'bench-zero', paced: 'bench-paced' };

export interface Bundle {
  dir: string;
  file: string;
  /** wrangler's own "Total Upload … / gzip …" line. */
  wranglerSummary: string;
}

export interface LabOptions {
  basePort: number;
  scratch: string;
  progress: (message: string) => void;
  /** wrangler dev builds without minifying, so a CPU profile names our functions. */
  unminifiedDev?: boolean;
}

export class Lab {
  private readonly processes: Managed[] = [];
  private readonly pumps: HeartbeatPump[] = [];
  private readonly lines: string[] = [];
  private bundlePromise?: Promise<Bundle>;
  private readonly identity: DevIdentity;
  private targetsPromise?: Promise<Target[]>;

  constructor(private readonly options: LabOptions) {
    this.identity = loadOrCreateIdentity(path.join(options.scratch, 'identity'));
  }

  port(offset: number): number {
    return this.options.basePort + offset;
  }

  url(offset: number): string {
    return `http://127.0.0.1:${this.port(offset)}`;
  }

  /** A throwaway directory for this run, removed at the end. */
  get scratch(): string {
    return this.options.scratch;
  }

  get poolSecret(): string {
    return this.identity.poolSecret;
  }

  get apiKey(): string {
    return this.identity.apiKey;
  }

  /** The last lines the started processes printed, for failure messages. */
  recentOutput(): string {
    return this.lines.slice(-40).join('\n');
  }

  start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Managed {
    const managed = startProcess(name, command, args, {
      env,
      onLine: (n, line) => {
        this.lines.push(`[${n}] ${line}`);
        if (this.lines.length > 500) this.lines.splice(0, 100);
      },
    });
    this.processes.push(managed);
    return managed;
  }

  async waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const dead = this.processes.find((p) => p.child.exitCode !== null);
      if (dead) throw new Error(`${dead.name} exited while starting:\n${this.recentOutput()}`);
      if (await check().catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${what}:\n${this.recentOutput()}`);
  }

  /** `wrangler deploy --dry-run --outdir`: the bundle production would upload. Built once. */
  bundle(): Promise<Bundle> {
    this.bundlePromise ??= (async () => {
      const dir = path.join(this.options.scratch, 'dist');
      this.options.progress('building the Worker bundle (wrangler deploy --dry-run)');
      const out = await run(
        wranglerBin,
        ['deploy', '--dry-run', '--outdir', dir, '--config', path.join(repoRoot, 'wrangler.toml')],
        wranglerEnv,
      );
      const wranglerSummary = /Total Upload:[^\n]*/.exec(out)?.[0] ?? '';
      return { dir, file: path.join(dir, 'index.js'), wranglerSummary };
    })();
    return this.bundlePromise;
  }

  /** Upstreams, both edges with the upstreams registered as replicas, and Portkey. */
  targets(): Promise<Target[]> {
    this.targetsPromise ??= this.startTargets();
    return this.targetsPromise;
  }

  private async startUpstream(offset: number, intervalMs: number, tokens: number) {
    this.start(`upstream:${this.port(offset)}`, process.execPath, [
      ...['--import', 'tsx', path.join(import.meta.dirname, 'upstream.ts')],
      `--port=${this.port(offset)}`,
      `--interval-ms=${intervalMs}`,
      `--tokens=${tokens}`,
    ]);
    await this.waitFor('the upstream', async () => (await fetch(this.url(offset))).status === 404);
  }

  private async startTargets(): Promise<Target[]> {
    const { progress, scratch } = this.options;
    progress(
      `starting the upstreams on :${this.port(offsets.zeroUpstream)} and :${this.port(offsets.pacedUpstream)}`,
    );
    await Promise.all([
      this.startUpstream(offsets.zeroUpstream, 0, 16),
      this.startUpstream(offsets.pacedUpstream, pacedIntervalMs, 25),
    ]);

    const persistTo = path.join(scratch, 'state');
    const persistToMiniflare = path.join(scratch, 'state-miniflare');
    // The bundle builds while wrangler applies the migrations: both are separate processes.
    const building = this.bundle();
    progress('applying migrations and seeding an API key without limits (throwaway state)');
    await applyMigrations({ remote: false, persistTo });
    await seedIdentity(this.identity, { remote: false, persistTo });
    // Two workerd processes must not share SQLite files: the Miniflare edge gets a seeded copy.
    cpSync(persistTo, persistToMiniflare, { recursive: true });
    const envFile = writeEdgeEnvFile(path.join(scratch, 'identity'), this.identity);
    const bundle = await building;

    progress(
      `starting the edge: wrangler dev on ${this.url(offsets.wranglerDev)}, Miniflare API on ${this.url(offsets.miniflare)}`,
    );
    this.start(
      'wrangler-dev',
      wranglerBin,
      [
        'dev',
        ...['--config', path.join(repoRoot, 'wrangler.toml')],
        ...['--ip', '127.0.0.1', '--port', String(this.port(offsets.wranglerDev))],
        ...['--persist-to', persistTo, '--env-file', envFile],
        '--show-interactive-dev-session=false',
        ...['--inspector-port', String(this.port(offsets.wranglerInspector))],
        ...(this.options.unminifiedDev === true ? ['--minify=false'] : []),
      ],
      wranglerEnv,
    );
    this.start(
      'miniflare',
      process.execPath,
      [
        ...['--import', 'tsx', path.join(import.meta.dirname, 'miniflare-edge.ts')],
        bundle.file,
        String(this.port(offsets.miniflare)),
        persistToMiniflare,
      ],
      { POOL_SECRET: this.identity.poolSecret, ADMIN_TOKEN: this.identity.adminToken },
    );
    progress(`starting Portkey (@portkey-ai/gateway) on ${this.url(offsets.portkey)}`);
    this.start(
      'portkey',
      process.execPath,
      [
        ...['--import', 'tsx', '--import', path.join(import.meta.dirname, 'loopback-only.ts')],
        path.join(repoRoot, 'node_modules/@portkey-ai/gateway/build/start-server.js'),
        `--port=${this.port(offsets.portkey)}`,
        '--headless',
      ],
      { NODE_ENV: 'production' },
    );
    const replicas = [
      { replicaId: 'bench-zero', url: this.url(offsets.zeroUpstream), model: models.zero },
      { replicaId: 'bench-paced', url: this.url(offsets.pacedUpstream), model: models.paced },
    ];
    const edges = [offsets.wranglerDev, offsets.miniflare].map((o) => this.url(o));
    await Promise.all([
      ...edges.map(async (edge) => {
        await this.waitFor(`the edge at ${edge}`, async () => {
          await fetch(`${edge}/healthz`);
          return true;
        });
        this.pumps.push(await startHeartbeats(edge, this.identity.poolSecret, replicas));
        await this.waitFor(`the replicas at ${edge}`, async () => {
          const body = (await (await fetch(`${edge}/healthz`)).json()) as {
            replicas?: { ready: number };
          };
          return (body.replicas?.ready ?? 0) >= replicas.length;
        });
      }),
      this.waitFor('Portkey', async () => (await fetch(this.url(offsets.portkey))).ok),
    ]);

    const upstreamPort = (kind: UpstreamKind) =>
      this.port(kind === 'zero' ? offsets.zeroUpstream : offsets.pacedUpstream);
    const edgeTarget = (name: TargetName, base: string): Target => ({
      name,
      endpoint: (kind) => ({
        url: `${base}${chatPath}`,
        headers: { authorization: `Bearer ${this.identity.apiKey}` },
        model: models[kind],
      }),
    });
    return [
      {
        name: 'direct',
        endpoint: (kind) => ({
          url: `http://127.0.0.1:${upstreamPort(kind)}${chatPath}`,
          headers: {},
          model: models[kind],
        }),
      },
      edgeTarget('wrangler-dev', this.url(offsets.wranglerDev)),
      edgeTarget('miniflare', this.url(offsets.miniflare)),
      {
        name: 'portkey',
        endpoint: (kind) => ({
          url: `${this.url(offsets.portkey)}${chatPath}`,
          headers: {
            authorization: 'Bearer sk-bench-unused',
            'x-portkey-provider': 'openai',
            'x-portkey-custom-host': `http://127.0.0.1:${upstreamPort(kind)}/v1`,
          },
          model: models[kind],
        }),
      },
    ];
  }

  /** Stops one process this run started and forgets it (a benchmark that restarts its own). */
  async stopOne(managed: Managed, graceMs = 5_000): Promise<void> {
    await stopProcess(managed, graceMs);
    const index = this.processes.indexOf(managed);
    if (index >= 0) this.processes.splice(index, 1);
  }

  /** Stops everything this run started (sidecars first: they drain), whatever state it is in. */
  async stop(): Promise<void> {
    for (const pump of this.pumps) pump.stop();
    const order = (p: Managed) => (p.name === 'sidecar' ? 0 : 1);
    const sorted = [...this.processes].sort((a, b) => order(a) - order(b));
    for (const p of sorted.filter((x) => order(x) === 0)) await stopProcess(p, 10_000);
    await Promise.all(sorted.filter((x) => order(x) === 1).map((p) => stopProcess(p, 5_000)));
  }
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
