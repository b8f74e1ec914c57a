import type { HeartbeatLoop } from './heartbeat-loop';
import type { InFlight } from './in-flight';
import type { Logger } from './logger';
import type { Sleep } from './ports';
import type { Supervisor } from './supervisor';

export interface ShutdownOptions {
  supervisor: Pick<Supervisor, 'requestDrain' | 'stopEngine'>;
  inFlight: InFlight;
  heartbeats: Pick<HeartbeatLoop, 'pulse' | 'stop'>;
  drainTimeoutMs: number;
  sleep: Sleep;
  logger: Logger;
  /** Stops accepting connections; the last step, so `/v1/*` answers 503 while draining. */
  closeServer: () => Promise<void>;
}

/**
 * The graceful stop of DESIGN.md §3: announce `draining` with a heartbeat sent at once, let in-flight requests finish up to the drain deadline, stop the engine,
 * announce `stopped` with a final heartbeat. Calling it again returns the same promise.
 */
export function createShutdown(options: ShutdownOptions): (reason: string) => Promise<void> {
  let done: Promise<void> | undefined;

  const run = async (reason: string): Promise<void> => {
    const { logger, inFlight } = options;
    options.supervisor.requestDrain(reason);
    logger.info('draining', { reason, inFlight: inFlight.count() });
    // Tell the edge before anything else, even when nothing is in flight: it stops routing here.
    await options.heartbeats.pulse();

    const deadline = new AbortController();
    const outcome = await Promise.race([
      inFlight.whenIdle().then(() => 'idle' as const),
      // The sleep rejects when cancelled below; by then the race is already decided.
      options.sleep(options.drainTimeoutMs, deadline.signal).then(
        () => 'deadline' as const,
        () => 'idle' as const,
      ),
    ]);
    deadline.abort();
    if (outcome === 'deadline') {
      logger.warn('drain deadline passed; stopping the engine under running requests', {
        inFlight: inFlight.count(),
        drainTimeoutMs: options.drainTimeoutMs,
      });
    }

    await options.supervisor.stopEngine();
    await options.heartbeats.stop();
    await options.closeServer();
    logger.info('sidecar stopped');
  };

  return (reason) => {
    done ??= run(reason);
    return done;
  };
}
