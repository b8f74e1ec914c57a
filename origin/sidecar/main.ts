import path from 'node:path';
import { setTimeout as sleepMs } from 'node:timers/promises';
import { serve } from '@hono/node-server';
import packageJson from '../../package.json' with { type: 'json' };
import { createSidecarApp } from './app';
import { parseSidecarConfig, secretEnvName } from './config';
import { buildEngineCommand, engineBaseUrl } from './engine-command';
import { spawnEngine } from './engine-process';
import { startHeartbeatLoop } from './heartbeat-loop';
import { createHeartbeatReporter, createMetricsScraper } from './heartbeat-reporter';
import { createHeartbeatSender } from './heartbeat-sender';
import { createInFlight } from './in-flight';
import { createLogger, errorMessage } from './logger';
import type { Clock, HttpFetch, Sleep } from './ports';
import { runCanaryGeneration, waitForEngineHealth } from './readiness';
import { createShutdown } from './shutdown';
import { createSupervisor } from './supervisor';

// Thin shell: builds the real ports and wires the modules. Behaviour lives in the modules.

/** Timings not worth a flag yet. */
const timing = {
  /** vLLM answers `/health` as soon as it binds; a short poll notices that promptly. */
  healthPollMs: 250,
  canaryRetryMs: 1_000,
  progressLogMs: 10_000,
  /** Below the default 1 s heartbeat interval, so a stuck engine cannot delay a heartbeat much. */
  metricsScrapeTimeoutMs: 1_000,
  /** The edge must hear from us within a few seconds anyway; a hung POST is abandoned by then. */
  heartbeatTimeoutMs: 2_000,
  heartbeatFailureLogMs: 30_000,
};

const parsed = parseSidecarConfig(process.argv.slice(2), process.env);
if (parsed.kind === 'help') {
  process.stdout.write(`${parsed.text}\n`);
  process.exit(0);
}
if (parsed.kind === 'error') {
  process.stderr.write(`sidecar: invalid configuration: ${parsed.message}\n`);
  process.exit(2);
}
const config = parsed.config;

const clock: Clock = { nowMs: () => Date.now() };
const sleep: Sleep = (ms, signal) => sleepMs(ms, undefined, { signal });
const httpFetch: HttpFetch = (url, init) => fetch(url, init);
const logger = createLogger({
  replicaId: config.replicaId,
  clock,
  sink: (line) => process.stdout.write(`${line}\n`),
});
const startedAtMs = clock.nowMs();
const baseUrl = engineBaseUrl(config.enginePort);
const models = [config.servedModelName];

const { secret, ...loggableConfig } = config;
logger.info('sidecar starting', { ...loggableConfig, engineArgs: config.engineArgs.join(' ') });

const inFlight = createInFlight();
const readinessDeps = { engineBaseUrl: baseUrl, fetch: httpFetch, clock, sleep };
const engineEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => name !== secretEnvName),
);
const command = buildEngineCommand(config, {
  nodePath: process.execPath,
  tsxImport: import.meta.resolve('tsx'),
  simEntryPath: path.resolve(import.meta.dirname, '../sim/main.ts'),
});

const supervisor = createSupervisor({
  clock,
  logger,
  launch: () => {
    logger.info('launching engine', { command: [command.command, ...command.args].join(' ') });
    return spawnEngine(command, { logger, env: engineEnv });
  },
  waitForEngine: (deadlineMs, signal) =>
    waitForEngineHealth(readinessDeps, {
      deadlineMs,
      signal,
      retryIntervalMs: timing.healthPollMs,
    }),
  warmUp: (deadlineMs, signal) =>
    runCanaryGeneration(readinessDeps, {
      deadlineMs,
      signal,
      retryIntervalMs: timing.canaryRetryMs,
      model: config.servedModelName,
    }),
  startupTimeoutMs: config.startupTimeoutMs,
  engineStopTimeoutMs: config.engineStopTimeoutMs,
  progressLogIntervalMs: timing.progressLogMs,
  // Announce every state change at once. `heartbeats` is defined below; changes begin only
  // after `start()`, which runs once the server listens.
  onChange: () => void heartbeats.pulse(),
});

const app = createSidecarApp({
  replicaId: config.replicaId,
  models,
  engineBaseUrl: baseUrl,
  secret,
  clock,
  fetch: httpFetch,
  inFlight,
  getStatus: supervisor.status,
  enginePid: supervisor.enginePid,
  startedAtMs,
  logger,
});

const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port });
server.once('error', (error) => {
  logger.error('sidecar server failed', { error: errorMessage(error) });
  process.exit(1);
});
server.once('listening', () => {
  logger.info('sidecar listening', { host: config.host, port: config.port });
  void supervisor.start();
});

const heartbeats = startHeartbeatLoop({
  intervalMs: config.heartbeatIntervalMs,
  beat: createHeartbeatReporter({
    identity: {
      replicaId: config.replicaId,
      publicUrl: config.publicUrl,
      models,
      version: packageJson.version,
    },
    getStatus: supervisor.status,
    clock,
    scrape: createMetricsScraper({
      engineBaseUrl: baseUrl,
      fetch: httpFetch,
      timeoutMs: timing.metricsScrapeTimeoutMs,
    }),
    sender: createHeartbeatSender({
      edgeUrl: config.edgeUrl,
      secret,
      fetch: httpFetch,
      clock,
      logger,
      timeoutMs: timing.heartbeatTimeoutMs,
      failureLogIntervalMs: timing.heartbeatFailureLogMs,
    }),
  }),
});

const shutdown = createShutdown({
  supervisor,
  inFlight,
  heartbeats,
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
    void shutdown(`received ${signal}`).then(() => process.exit(0));
  });
}
process.on('uncaughtException', (error) => {
  logger.error('sidecar crashed', { error: errorMessage(error) });
  process.exit(1);
});
// If the sidecar dies by surprise, its engine must not live on holding the GPU.
process.on('exit', () => supervisor.killEngineNow());
