import { describe, expect, it } from 'vitest';
import { createInFlight } from '../../../origin/sidecar/in-flight';
import type { Sleep } from '../../../origin/sidecar/ports';
import { createShutdown } from '../../../origin/sidecar/shutdown';
import { captureLogs } from './support/test-logger';

function setup() {
  const steps: string[] = [];
  const inFlight = createInFlight();
  let expireDeadline: () => void = () => undefined;
  const sleep: Sleep = (_ms, signal) =>
    new Promise<void>((resolve, reject) => {
      expireDeadline = resolve;
      signal?.addEventListener('abort', () => reject(new Error('aborted')));
    });
  const { logger, records } = captureLogs();
  const shutdown = createShutdown({
    supervisor: {
      requestDrain: (reason) => steps.push(`drain ${reason}`),
      stopEngine: () => {
        steps.push(`stop engine with ${inFlight.count()} in flight`);
        return Promise.resolve();
      },
    },
    inFlight,
    heartbeats: {
      pulse: () => Promise.resolve(void steps.push('heartbeat now')),
      stop: () => Promise.resolve(void steps.push('final heartbeat')),
    },
    drainTimeoutMs: 30_000,
    sleep,
    logger,
    closeServer: () => Promise.resolve(void steps.push('close server')),
  });
  return { shutdown, steps, inFlight, logs: records, expireDeadline: () => expireDeadline() };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('createShutdown', () => {
  it('announces draining, waits for in-flight requests, then stops the engine and says stopped', async () => {
    const { shutdown, steps, inFlight } = setup();
    const release = inFlight.acquire();
    const done = shutdown('SIGTERM');
    await flush();
    expect(steps).toEqual(['drain SIGTERM', 'heartbeat now']);

    release();
    await done;
    expect(steps).toEqual([
      'drain SIGTERM',
      'heartbeat now',
      'stop engine with 0 in flight',
      'final heartbeat',
      'close server',
    ]);
  });

  it('stops the engine under running requests once the drain deadline passes', async () => {
    const { shutdown, steps, inFlight, logs, expireDeadline } = setup();
    inFlight.acquire();
    const done = shutdown('SIGTERM');
    await flush();

    expireDeadline();
    await done;

    expect(steps).toContain('stop engine with 1 in flight');
    expect(logs.find((l) => l.level === 'warn')).toMatchObject({
      inFlight: 1,
      drainTimeoutMs: 30_000,
    });
  });

  it('runs once when signalled twice', async () => {
    const { shutdown, steps } = setup();
    await Promise.all([shutdown('SIGTERM'), shutdown('SIGINT')]);
    expect(steps.filter((s) => s.startsWith('drain'))).toEqual(['drain SIGTERM']);
  });
});
