import type { Hono } from 'hono';
import { createAdmission } from './admission';
import { createSidecarApp } from './app';
import type { SidecarConfig } from './config';
import {
  buildEngineCommand,
  engineBaseUrl,
  engineKillGraceMs,
  type EngineCommand,
  type SimulatorLocation,
} from './engine-command';
import type { EngineProcess } from './engine-process';
import { createEngineSleepMode } from './engine-sleep-mode';
import { startHeartbeatLoop, type HeartbeatLoop } from './heartbeat-loop';
import { createHeartbeatReporter, createMetricsScraper } from './heartbeat-reporter';
import { createHeartbeatSender } from './heartbeat-sender';
import { startIdleSleeper } from './idle-sleeper';
import { createInFlight, type InFlight } from './in-flight';
import { initialLoadTracker, type EngineLoad } from './load-tracker';
import type { Logger } from './logger';
import type { Clock, HttpFetch, Rng, Sleep } from './ports';
import {
  canaryGeneration,
  runCanaryGeneration,
  sendGeneration,
  waitForEngineHealth,
  type EngineGeneration,
} from './readiness';
import { createSidecarMetrics } from './sidecar-metrics';
import { createSupervisor, type Supervisor } from './supervisor';
import { runWarmupPlan } from './warmup-plan';
import { createWatchdog } from './watchdog';

/** The real world the sidecar runs in; `main.ts` builds these, tests may pass their own. */
export interface SidecarPorts {
  clock: Clock;
  rng: Rng;
  sleep: Sleep;
  fetch: HttpFetch;
  logger: Logger;
  launchEngine: (command: EngineCommand, onLine: (line: string) => void) => EngineProcess;
  simulator: SimulatorLocation;
  /** Read from `--warmup-file` by the shell. */
  warmupPrompts: readonly EngineGeneration[];
  version: string;
}

/** Timings not worth a flag. */
const timing = {
  /** vLLM answers `/health` as soon as it binds; a short poll adds little to start-up. */
  healthPollMs: 100,
  canaryRetryMs: 500,
  warmupPromptTimeoutMs: 60_000,
  progressLogMs: 10_000,
  idleCheckMs: 1_000,
  /** Below the heartbeat interval, so a stuck engine cannot delay a heartbeat much. */
  metricsScrapeTimeoutMs: 1_000,
  /** The edge must hear from us within a few seconds anyway; a hung POST is abandoned by then. */
  heartbeatTimeoutMs: 2_000,
  heartbeatFailureLogMs: 30_000,
};

export interface Sidecar {
  app: Hono;
  supervisor: Supervisor;
  heartbeats: HeartbeatLoop;
  inFlight: InFlight;
  /** Starts the engine lifecycle, the watchdog and the idle sleeper (once the server listens). */
  start(): void;
  /** Stops the watchdog and the idle sleeper. */
  stopBackground(): Promise<void>;
}

/** Wires the sidecar from its configuration and ports. No I/O happens until `start()`. */
export function buildSidecar(config: SidecarConfig, ports: SidecarPorts): Sidecar {
  const { clock, sleep, logger } = ports;
  const baseUrl = engineBaseUrl(config.enginePort);
  const models = [config.servedModelName];
  const readiness = { engineBaseUrl: baseUrl, fetch: ports.fetch, clock, sleep };
  const command = buildEngineCommand(config, ports.simulator);
  const inFlight = createInFlight();
  const admission = createAdmission({
    limits: {
      maxConcurrent: config.maxConcurrentRequests,
      maxQueued: config.maxQueuedRequests,
      queueTimeoutMs: config.queueTimeoutMs,
    },
    inFlight,
    clock,
    sleep,
  });
  let engineLoad: EngineLoad = initialLoadTracker.load;
  const metrics = createSidecarMetrics({
    inFlight: () => inFlight.count(),
    queued: () => admission.queued(),
    engineLoad: () => engineLoad,
  });
  const scrape = createMetricsScraper({
    engineBaseUrl: baseUrl,
    fetch: ports.fetch,
    timeoutMs: timing.metricsScrapeTimeoutMs,
  });
  let canaries = 0;

  const supervisor = createSupervisor({
    clock,
    rng: ports.rng,
    sleep,
    logger,
    launch: (onLine) => {
      logger.info('launching engine', { command: [command.command, ...command.args].join(' ') });
      return ports.launchEngine(command, onLine);
    },
    waitForEngine: (deadlineMs, signal) =>
      waitForEngineHealth(readiness, { deadlineMs, signal, retryIntervalMs: timing.healthPollMs }),
    warmUp: (deadlineMs, signal) =>
      runWarmupPlan(readiness, {
        deadlineMs,
        signal,
        retryIntervalMs: timing.canaryRetryMs,
        model: config.servedModelName,
        prompts: ports.warmupPrompts,
        promptTimeoutMs: timing.warmupPromptTimeoutMs,
        logger,
      }),
    wakeCheck: (deadlineMs, signal) =>
      runCanaryGeneration(readiness, {
        deadlineMs,
        signal,
        retryIntervalMs: timing.canaryRetryMs,
        model: config.servedModelName,
        requestId: 'sidecar-canary-wake',
      }),
    sleepMode: config.enableSleepMode
      ? createEngineSleepMode({ engineBaseUrl: baseUrl, fetch: ports.fetch })
      : undefined,
    startupTimeoutMs: config.startupTimeoutMs,
    engineKillGraceMs: engineKillGraceMs(config),
    restartPolicy: {
      baseDelayMs: config.restartBaseDelayMs,
      maxDelayMs: config.restartMaxDelayMs,
      maxRestarts: config.maxRestarts,
      stableAfterMs: config.restartStableAfterMs,
    },
    progressLogIntervalMs: timing.progressLogMs,
    onChange: (status) => {
      metrics.setState(status.state);
      // Announce every state change at once; `heartbeats` exists by the time `start()` runs.
      void heartbeats.pulse();
    },
    onReady: ({ startupMs, warmupMs }) =>
      metrics.recordStartup({ startupSeconds: startupMs / 1000, warmupSeconds: warmupMs / 1000 }),
    onRestart: () => metrics.recordRestart(),
  });
  metrics.setState(supervisor.status().state);

  const watchdog = createWatchdog({
    clock,
    sleep,
    logger,
    intervalMs: config.watchdogIntervalMs,
    policy: { stallMs: config.watchdogStallMs, canaryIntervalMs: config.canaryIntervalMs },
    canaryTimeoutMs: config.canaryTimeoutMs,
    getStatus: supervisor.status,
    scrape,
    canary: (signal) =>
      sendGeneration(
        readiness,
        canaryGeneration(config.servedModelName, `sidecar-canary-${++canaries}`),
        signal,
      ),
    onUnhealthy: (reason) => supervisor.reportUnhealthy(reason),
    onCanary: (seconds, ok) => metrics.recordCanary(seconds, ok),
  });

  const heartbeats = startHeartbeatLoop({
    intervalMs: config.heartbeatIntervalMs,
    beat: createHeartbeatReporter({
      identity: {
        replicaId: config.replicaId,
        publicUrl: config.publicUrl,
        models,
        version: ports.version,
        modelRevision: config.modelRevision,
      },
      getStatus: supervisor.status,
      clock,
      scrape,
      queued: () => admission.queued(),
      onLoad: (load) => (engineLoad = load),
      sender: createHeartbeatSender({
        edgeUrl: config.edgeUrl,
        secret: config.secret,
        fetch: ports.fetch,
        clock,
        logger,
        timeoutMs: timing.heartbeatTimeoutMs,
        failureLogIntervalMs: timing.heartbeatFailureLogMs,
      }),
    }),
  });

  const app = createSidecarApp({
    replicaId: config.replicaId,
    models,
    engineBaseUrl: baseUrl,
    secret: config.secret,
    clock,
    fetch: ports.fetch,
    inFlight,
    admission,
    metrics,
    getStatus: supervisor.status,
    wake: () => supervisor.wake(),
    enginePid: supervisor.enginePid,
    startedAtMs: clock.nowMs(),
    logger,
  });

  let sleeper: { stop(): Promise<void> } | undefined;
  return {
    app,
    supervisor,
    heartbeats,
    inFlight,
    start() {
      void supervisor.start();
      watchdog.start();
      sleeper = startIdleSleeper({
        clock,
        sleep,
        idleMs: config.sleepAfterIdleMs,
        checkIntervalMs: Math.min(timing.idleCheckMs, config.sleepAfterIdleMs),
        getStatus: supervisor.status,
        inFlight: () => inFlight.count(),
        queued: () => admission.queued(),
        lastActivityMs: () => admission.lastActivityMs(),
        sleepEngine: (reason) => supervisor.sleepEngine(reason),
      });
    },
    async stopBackground() {
      await Promise.all([watchdog.stop(), sleeper?.stop()]);
    },
  };
}
