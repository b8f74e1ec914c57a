import type { Hono } from 'hono';
import { createSimApp } from '../../../origin/sim/app';
import type { Clock } from '../../../origin/sim/clock';
import type { LogFields, Logger, LogLevel } from '../../../origin/sim/logger';
import { defaultSimConfig, type SimConfig } from '../../../origin/sim/sim-config';
import { createSimRuntime, type SimRuntime } from '../../../origin/sim/sim-runtime';

/** A config for app tests: no real delays unless a test asks for them. */
export function testConfig(overrides: Partial<SimConfig> = {}): SimConfig {
  return {
    ...defaultSimConfig,
    model: 'org/sim-model',
    servedModelNames: ['sim-model'],
    simTtftMs: 0,
    simPrefillMsPerToken: 0,
    simInterTokenMs: 0,
    ...overrides,
  };
}

/**
 * Time that never waits: every sleep resolves on the next macrotask (so streams still interleave
 * and aborts still land), or `false` at once when aborted. `nowMs` is fixed.
 */
export const instantClock: Clock = {
  nowMs: () => Date.UTC(2025, 0, 1),
  sleep: (_delayMs, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve(false);
      const onAbort = (): void => {
        clearImmediate(timer);
        resolve(false);
      };
      const timer = setImmediate(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      });
      signal.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface LogEntry extends LogFields {
  level: LogLevel;
  msg: string;
}

export function createMemoryLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const log = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    entries.push({ ...fields, level, msg });
  };
  return {
    entries,
    log,
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
  };
}

export interface TestSim {
  app: Hono;
  runtime: SimRuntime;
  logger: ReturnType<typeof createMemoryLogger>;
  /** How often an injected crash would have killed the process. */
  crashes: () => number;
}

export function createTestSim(overrides: Partial<SimConfig> = {}, clock = instantClock): TestSim {
  const logger = createMemoryLogger();
  let crashes = 0;
  const runtime = createSimRuntime(testConfig(overrides), { logger, crash: () => (crashes += 1) });
  let nextId = 0;
  const app = createSimApp({ runtime, clock, logger, newId: () => `req-${++nextId}` });
  return { app, runtime, logger, crashes: () => crashes };
}

export function postJson(
  app: Hono,
  path: string,
  body: unknown,
  init: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Response> {
  return Promise.resolve(
    app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...init.headers },
      body: JSON.stringify(body),
      signal: init.signal,
    }),
  );
}

/** The `data:` payloads of an SSE body, in order, after checking every event's framing. */
export function sseData(body: string): string[] {
  if (!body.endsWith('\n\n')) throw new Error(`SSE body does not end with a blank line: ${body}`);
  return body
    .slice(0, -2)
    .split('\n\n')
    .map((event) => {
      if (!event.startsWith('data: ') || event.includes('\n')) {
        throw new Error(`not a single-line data event: ${JSON.stringify(event)}`);
      }
      return event.slice('data: '.length);
    });
}

/** Polls `condition` on macrotasks until it holds (for state that settles after an abort). */
export async function eventually(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Instant time that remembers every delay the pacer asked for, in order. */
export function recordingClock(): Clock & { delaysMs: number[] } {
  const delaysMs: number[] = [];
  return {
    delaysMs,
    nowMs: () => instantClock.nowMs(),
    sleep: (delayMs, signal) => {
      delaysMs.push(delayMs);
      return instantClock.sleep(delayMs, signal);
    },
  };
}

/** The value of one metric series in Prometheus text, or undefined when absent. */
export async function metricValue(
  runtime: SimRuntime,
  series: string,
): Promise<number | undefined> {
  const text = await runtime.metrics.render();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
