import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { heartbeatPath, type Heartbeat } from '../../../contracts/heartbeat';
import { sign } from '../../../contracts/signature';
import { loadOrCreateIdentity, type DevIdentity } from '../../../scripts/lib/dev-identity';
import { createKeySql } from '../../../scripts/lib/key-sql';
import { buildKeyRecord, createKeyInputSchema } from '../../../worker/admin/key-records';
import { hashApiKey, displayPrefix } from '../../../contracts/api-key';
import { run, startProcess, stopProcess, type Managed } from '../../../scripts/lib/processes';
import { repoRoot, wranglerBin, wranglerEnv } from '../../../scripts/lib/wrangler';

/**
 * A lab for failure tests against real processes: the built Worker in workerd (Miniflare API,
 * real local D1, KV, Durable Objects and Queues) with short forwarding timers, and `vllm-sim`
 * processes that the lab registers as replicas by signing heartbeats the way a sidecar does.
 * The sidecar is left out on purpose: it never retries (R1), so the edge meets the engine's
 * faults exactly as they happen. Faults come from each simulator's `--sim-fault` flag.
 */

/** The part of D1's API the failure tests use. */
export interface LabStatement {
  bind(...values: unknown[]): LabStatement;
  run(): Promise<unknown>;
  first<Row>(): Promise<Row | null>;
}
export interface LabDatabase {
  prepare(sql: string): LabStatement;
}

export interface SimHandle {
  replicaId: string;
  url: string;
  /** Generation requests that reached this simulator, failed ones included. */
  received(): Promise<number>;
  /** Ends the process (SIGKILL when `hard`), leaving its heartbeat to the caller. */
  stop(hard?: boolean): Promise<void>;
}

export interface LabReplica {
  replicaId: string;
  url: string;
  models: string[];
}

export interface FaultLabOptions {
  basePort: number;
  /** Extra Worker vars, e.g. short timers. */
  vars: Record<string, string>;
}

export class FaultLab {
  private readonly scratch = mkdtempSync(path.join(tmpdir(), 'switchyard-faults-'));
  private readonly identity: DevIdentity;
  private readonly processes: Managed[] = [];
  private readonly beating = new Map<string, LabReplica>();
  private readonly lines: string[] = [];
  private timer?: NodeJS.Timeout;
  private mf?: Miniflare;
  edgeUrl = '';

  constructor(private readonly options: FaultLabOptions) {
    this.identity = loadOrCreateIdentity(path.join(this.scratch, 'identity'));
  }

  get apiKey(): string {
    return this.identity.apiKey;
  }

  port(offset: number): number {
    return this.options.basePort + offset;
  }

  /** Builds the bundle production would upload and starts it with fresh local state. */
  async start(): Promise<void> {
    const dist = path.join(this.scratch, 'dist');
    await run(
      wranglerBin,
      ['deploy', '--dry-run', '--outdir', dist, '--config', path.join(repoRoot, 'wrangler.toml')],
      wranglerEnv,
    );
    const { workerOptions } = unstable_getMiniflareWorkerOptions(
      path.join(repoRoot, 'wrangler.toml'),
    );
    this.mf = new Miniflare({
      ...workerOptions,
      name: 'switchyard',
      modules: true,
      scriptPath: path.join(dist, 'index.js'),
      modulesRoot: dist,
      bindings: {
        ...(workerOptions.bindings as Record<string, unknown>),
        ...this.options.vars,
        POOL_SECRET: this.identity.poolSecret,
        ADMIN_TOKEN: this.identity.adminToken,
      },
      // Usage rows one at a time, so a test reads each row as soon as its request ends.
      queueConsumers: {
        'switchyard-usage': { maxBatchSize: 1, maxBatchTimeout: 1, maxRetries: 10 },
      },
      host: '127.0.0.1',
      port: this.port(0),
      d1Persist: path.join(this.scratch, 'd1'),
      kvPersist: path.join(this.scratch, 'kv'),
      durableObjectsPersist: path.join(this.scratch, 'do'),
      verbose: false,
    });
    this.edgeUrl = (await this.mf.ready).origin;
    await this.migrateAndSeed();
    this.timer = setInterval(() => {
      for (const replica of this.beating.values()) this.beat(replica).catch(() => undefined);
    }, 500);
  }

  private async migrateAndSeed(): Promise<void> {
    const db = await this.db();
    const dir = path.join(repoRoot, 'migrations');
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .sort()) {
      const statements = readFileSync(path.join(dir, file), 'utf8').split(
        '--> statement-breakpoint',
      );
      for (const sql of statements) if (sql.trim() !== '') await db.prepare(sql).run();
    }
    const record = buildKeyRecord(
      createKeyInputSchema.parse({ tenantId: 'faults', name: 'fault matrix' }),
      {
        keyId: 'key_faults',
        keyHash: await hashApiKey(this.apiKey),
        keyPrefix: displayPrefix(this.apiKey),
      },
      Date.now(),
    );
    for (const sql of createKeySql(record).split('\n')) await db.prepare(sql).run();
  }

  /** The edge's local D1, through Miniflare. */
  async db(): Promise<LabDatabase> {
    if (this.mf === undefined) throw new Error('the lab is not started');
    // Miniflare types D1 with the Workers types, which the Node test tier does not load.
    const db: unknown = await this.mf.getD1Database('DB');
    return db as LabDatabase;
  }

  /** Starts `vllm-sim` serving `models` with `--sim-fault` when given; resolves once healthy. */
  async startSim(options: {
    replicaId: string;
    port: number;
    models: string[];
    fault?: string;
    args?: string[];
  }): Promise<SimHandle> {
    const url = `http://127.0.0.1:${options.port}`;
    const managed = startProcess(
      options.replicaId,
      process.execPath,
      [
        ...['--import', 'tsx', path.join(repoRoot, 'origin/sim/main.ts'), 'serve'],
        options.models[0]!,
        ...['--served-model-name', ...options.models],
        ...['--host', '127.0.0.1', '--port', String(options.port)],
        ...['--sim-ttft-ms', '5', '--sim-prefill-ms-per-token', '0', '--sim-inter-token-ms', '10'],
        ...(options.fault === undefined ? [] : ['--sim-fault', options.fault]),
        ...(options.args ?? []),
      ],
      { onLine: (name, line) => this.keepLine(`[${name}] ${line}`) },
    );
    this.processes.push(managed);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (managed.child.exitCode !== null) {
        throw new Error(`${options.replicaId} exited while starting:\n${this.recentOutput()}`);
      }
      const healthy = await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (healthy) break;
      if (Date.now() > deadline) throw new Error(`${options.replicaId} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return {
      replicaId: options.replicaId,
      url,
      received: async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        const match = /^sim:requests_received_total\{[^}]*\} (\d+)/m.exec(text);
        return Number(match?.[1] ?? Number.NaN);
      },
      stop: async (hard = false) => {
        if (hard) managed.child.kill('SIGKILL');
        await stopProcess(managed, 2_000);
      },
    };
  }

  /** Registers a replica as `ready` and keeps its heartbeat going until `forget`. */
  async register(replica: LabReplica): Promise<void> {
    this.beating.set(replica.replicaId, replica);
    const status = await this.beat(replica);
    // 409: the pool already holds a newer heartbeat of this replica (the background beat won).
    if (status !== 204 && status !== 409) throw new Error(`heartbeat refused: ${status}`);
  }

  forget(replicaId: string): void {
    this.beating.delete(replicaId);
  }

  /** Heartbeats carry strictly increasing timestamps, so two sent in one millisecond both count. */
  private lastSignedAtMs = 0;

  private async beat(replica: LabReplica): Promise<number> {
    const heartbeat: Heartbeat = {
      replicaId: replica.replicaId,
      url: replica.url,
      models: replica.models,
      state: 'ready',
      running: 0,
      waiting: 0,
      kvCacheUsage: 0,
      tokensPerSecond: 0,
      version: 'fault-lab',
    };
    const body = JSON.stringify(heartbeat);
    this.lastSignedAtMs = Math.max(Date.now(), this.lastSignedAtMs + 1);
    const headers = await sign(this.identity.poolSecret, 'heartbeat', body, this.lastSignedAtMs);
    const response = await fetch(new URL(heartbeatPath, this.edgeUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    await response.body?.cancel();
    return response.status;
  }

  private keepLine(line: string): void {
    this.lines.push(line);
    if (this.lines.length > 400) this.lines.splice(0, 100);
  }

  recentOutput(): string {
    return this.lines.slice(-40).join('\n');
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.processes.map((p) => stopProcess(p, 2_000)));
    await this.mf?.dispose();
    rmSync(this.scratch, { recursive: true, force: true });
  }
}
