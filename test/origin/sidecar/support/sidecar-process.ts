import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Hono } from 'hono';
import { expect, vi } from 'vitest';
import { heartbeatPath, heartbeatSchema, type Heartbeat } from '../../../../contracts/heartbeat';
import { signatureHeader, timestampHeader, verify } from '../../../../contracts/signature';
import { listen, type RunningServer } from './fake-engine';
import { freePort } from '../../support/free-port';
import { bundledSidecarPath } from './origin-bundle';
import { edgeHeaders } from './sidecar-harness';

export const repoRoot = path.resolve(import.meta.dirname, '../../../..');
const tsxImport = import.meta.resolve('tsx');

export { freePort } from '../../support/free-port';

/** A directory holding a `vllm` executable that runs the fake engine: put it first on PATH. */
export function fakeVllmOnPath(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-vllm-'));
  const main = path.join(repoRoot, 'test/origin/sidecar/support/fake-engine-main.ts');
  const shim = path.join(dir, 'vllm');
  writeFileSync(
    shim,
    `#!/bin/sh\nexec "${process.execPath}" --import "${tsxImport}" "${main}" "$@"\n`,
  );
  chmodSync(shim, 0o755);
  return dir;
}

/** An edge that only keeps heartbeats whose signature and shape are valid. */
export async function startFakeEdge(
  secret: string,
): Promise<RunningServer & { heartbeats: Heartbeat[]; rejected: number }> {
  const heartbeats: Heartbeat[] = [];
  const edge = { heartbeats, rejected: 0 };
  const app = new Hono();
  app.post(heartbeatPath, async (c) => {
    const body = await c.req.text();
    const signed = {
      timestamp: c.req.header(timestampHeader),
      signature: c.req.header(signatureHeader),
    };
    const verified = await verify(secret, 'heartbeat', body, signed, Date.now());
    const parsed = heartbeatSchema.safeParse(JSON.parse(body));
    if (!verified.ok || !parsed.success) {
      edge.rejected += 1;
      return c.json({ error: 'rejected' }, 401);
    }
    heartbeats.push(parsed.data);
    return c.body(null, 204);
  });
  return Object.assign(edge, await listen(app));
}

export interface SidecarProcess {
  child: ChildProcess;
  /** Every stdout line, parsed; a line that is not JSON makes the parse throw in the test. */
  lines: () => Record<string, unknown>[];
  rawOutput: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the bundled sidecar (see origin-bundle.ts) with `args`. */
export async function startSidecar(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<SidecarProcess> {
  const child = spawn(process.execPath, [await bundledSidecarPath(), ...args], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    rawOutput: () => stdout + stderr,
    stderr: () => stderr,
    lines: () =>
      stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** The states heartbeats reported, with consecutive repeats folded. */
export function stateSequence(heartbeats: readonly Heartbeat[]): string[] {
  return heartbeats.map((h) => h.state).filter((state, i, all) => state !== all[i - 1]);
}

export const processTestSecret = 'process-test-pool-secret-5d1c';
const running: (() => Promise<void>)[] = [];

/** For `afterEach`: stops every sidecar a test launched, gracefully first so its engine goes too. */
export async function stopSidecars(): Promise<void> {
  await Promise.all(running.splice(0).map((stop) => stop()));
}

export interface LaunchOptions {
  /** False: `vllm` is not on PATH (then `--engine vllm-sim` runs the simulator). */
  withFakeVllm?: boolean;
  /** Share one edge between replicas; its owner closes it. */
  edge?: FakeEdge;
  replicaId?: string;
  port?: number;
  enginePort?: number;
}

export type FakeEdge = Awaited<ReturnType<typeof startFakeEdge>>;

/**
 * A real sidecar process heartbeating to a fake edge. Its `vllm` is the fake engine unless
 * `withFakeVllm` is false (then `vllm` is missing, or `--engine vllm-sim` runs the simulator).
 */
export async function launchSidecar(extraArgs: string[], options: LaunchOptions = {}) {
  const ownEdge = options.edge === undefined;
  const edge = options.edge ?? (await startFakeEdge(processTestSecret));
  const port = options.port ?? (await freePort());
  const enginePort = options.enginePort ?? (await freePort());
  const replicaId = options.replicaId ?? 'proc-1';
  const pathPrefix = options.withFakeVllm === false ? '' : `${fakeVllmOnPath()}:`;
  const sidecar = await startSidecar(
    [
      '--replica-id',
      replicaId,
      '--port',
      String(port),
      '--edge-url',
      edge.url,
      '--model',
      'fake/model',
      '--served-model-name',
      'small',
      '--engine-port',
      String(enginePort),
      '--heartbeat-interval-ms',
      '100',
      ...extraArgs,
    ],
    {
      ...process.env,
      PATH: `${pathPrefix}${process.env.PATH ?? ''}`,
      POOL_SECRET: processTestSecret,
    },
  );
  running.push(async () => {
    // SIGKILL alone would orphan the engine, which lives in its own process group.
    if (sidecar.child.exitCode === null) sidecar.child.kill('SIGTERM');
    const exited = await Promise.race([
      sidecar.exited.then(() => true),
      sleep(10_000).then(() => false),
    ]);
    if (!exited) sidecar.child.kill('SIGKILL');
    await sidecar.exited;
    if (ownEdge) await edge.close();
  });
  const mine = () => edge.heartbeats.filter((h) => h.replicaId === replicaId);
  const waitForState = (state: string, timeoutMs = 15_000) =>
    vi.waitFor(() => expect(mine().map((h) => h.state)).toContain(state), {
      timeout: timeoutMs,
      interval: 25,
    });
  /** Waits until the latest heartbeat of this replica reports `state`. */
  const waitForLatest = (state: string, timeoutMs = 15_000) =>
    vi.waitFor(() => expect(mine().at(-1)?.state).toBe(state), {
      timeout: timeoutMs,
      interval: 25,
    });
  return {
    edge,
    sidecar,
    port,
    enginePort,
    url: `http://127.0.0.1:${port}`,
    engineUrl: `http://127.0.0.1:${enginePort}`,
    heartbeats: mine,
    waitForState,
    waitForLatest,
  };
}

/** What the engine logged, as the sidecar wrapped it: its JSON lines (the simulator's), parsed. */
export function engineLogs(sidecar: SidecarProcess): Record<string, unknown>[] {
  return sidecar
    .lines()
    .filter((line) => line.source === 'engine' && String(line.msg).startsWith('{'))
    .map((line) => JSON.parse(String(line.msg)) as Record<string, unknown>);
}

/** A gauge of the simulator's `/metrics`, read directly from the engine port. */
export async function engineGauge(engineUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${engineUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
  return Number(line?.split(' ').at(-1));
}

/** A request signed as the edge signs it; by default a short streaming completion. */
export async function signedPost(
  url: string,
  requestId: string,
  path = '/v1/completions',
  body: object = { model: 'small', prompt: 'hi', max_tokens: 5, stream: true },
): Promise<Response> {
  const credential = await edgeHeaders('POST', path, requestId, {
    secret: processTestSecret,
    nowMs: Date.now(),
  });
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { ...credential, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
