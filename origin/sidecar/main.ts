import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleepMs } from 'node:timers/promises';
import { format } from 'node:util';
import { serve } from '@hono/node-server';
import packageJson from '../../package.json' with { type: 'json' };
import { buildSidecar } from './build-sidecar';
import { parseSidecarConfig, secretEnvName } from './config';
import type { SimulatorLocation } from './engine-command';
import { spawnEngine } from './engine-process';
import { createLogger, errorMessage } from './logger';
import type { Clock, HttpFetch, Rng, Sleep } from './ports';
import { createShutdown } from './shutdown';
import { parseWarmupFile, warmupGenerations } from './warmup-plan';

// Thin shell: reads the process's world (argv, env, files, clock), builds the real ports and
// wires them; behaviour lives in the modules.

function exitWith(code: number, message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

const parsed = parseSidecarConfig(process.argv.slice(2), process.env);
if (parsed.kind === 'help') {
  process.stdout.write(`${parsed.text}\n`);
  process.exit(0);
}
if (parsed.kind === 'error') exitWith(2, `sidecar: invalid configuration: ${parsed.message}`);
const config = parsed.config;

const clock: Clock = { nowMs: () => Date.now() };
const sleep: Sleep = (ms, signal) => sleepMs(ms, undefined, { signal });
const httpFetch: HttpFetch = (url, init) => fetch(url, init);
const rng: Rng = { next: () => randomInt(0, 2 ** 32) / 2 ** 32 };
const logger = createLogger({
  replicaId: config.replicaId,
  clock,
  sink: (line) => process.stdout.write(`${line}\n`),
});
// Libraries print through `console` (the HTTP server reports a response that broke off mid-body
// with console.error): keep the output one JSON object per line all the same.
console.error = (...args: unknown[]) => logger.error('console', { text: format(...args) });
console.warn = (...args: unknown[]) => logger.warn('console', { text: format(...args) });
console.info = (...args: unknown[]) => logger.info('console', { text: format(...args) });
console.log = (...args: unknown[]) => logger.info('console', { text: format(...args) });

const warmupFile = config.warmupFile;
const warmup =
  warmupFile === undefined
    ? { ok: true as const, file: { prompts: [] } }
    : parseWarmupFile(readFileOrExit(warmupFile));
if (!warmup.ok) exitWith(2, `sidecar: invalid --warmup-file ${warmupFile}: ${warmup.message}`);

/**
 * The simulator next to a bundled sidecar (`npm run build:origin` writes both), else the
 * TypeScript source run through tsx.
 */
const here = import.meta.dirname;
const simulator: SimulatorLocation = import.meta.url.endsWith('.mjs')
  ? { nodePath: process.execPath, nodeArgs: [], entryPath: path.join(here, 'vllm-sim.mjs') }
  : {
      nodePath: process.execPath,
      nodeArgs: ['--import', import.meta.resolve('tsx')],
      entryPath: path.resolve(here, '../sim/main.ts'),
    };
const engineEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => name !== secretEnvName),
);

const { secret, ...loggableConfig } = config;
logger.info('sidecar starting', { ...loggableConfig, engineArgs: config.engineArgs.join(' ') });

const sidecar = buildSidecar(config, {
  clock,
  rng,
  sleep,
  fetch: httpFetch,
  logger,
  launchEngine: (command, onLine) => spawnEngine(command, { logger, env: engineEnv, onLine }),
  simulator,
  warmupPrompts: warmupGenerations(warmup.file, config.servedModelName),
  version: packageJson.version,
});

const server = serve({ fetch: sidecar.app.fetch, hostname: config.host, port: config.port });
server.once('error', (error) => {
  logger.error('sidecar server failed', { error: errorMessage(error) });
  process.exit(1);
});
server.once('listening', () => {
  logger.info('sidecar listening', { host: config.host, port: config.port });
  sidecar.start();
});

const shutdown = createShutdown({
  supervisor: sidecar.supervisor,
  inFlight: sidecar.inFlight,
  heartbeats: sidecar.heartbeats,
  drainTimeoutMs: config.drainTimeoutMs,
  sleep,
  logger,
  closeServer: () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      if ('closeAllConnections' in server) server.closeAllConnections();
    }),
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    logger.info('signal received', { signal });
    void shutdown(`received ${signal}`)
      .then(() => sidecar.stopBackground())
      .then(() => process.exit(0));
  });
}
process.on('uncaughtException', (error) => {
  logger.error('sidecar crashed', { error: errorMessage(error) });
  process.exit(1);
});
// If the sidecar dies by surprise, its engine must not live on holding the GPU.
process.on('exit', () => sidecar.supervisor.killEngineNow());

function readFileOrExit(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    return exitWith(2, `sidecar: cannot read --warmup-file ${file}: ${errorMessage(error)}`);
  }
}
