import type { Heartbeat } from '../../contracts/heartbeat';
import { heartbeatPath } from '../../contracts/heartbeat';
import { sign } from '../../contracts/signature';
import type { Logger } from './logger';
import { errorMessage } from './logger';
import type { Clock, HttpFetch } from './ports';

export interface HeartbeatSenderOptions {
  edgeUrl: string;
  secret: string;
  fetch: HttpFetch;
  clock: Clock;
  logger: Logger;
  /** Shorter than the heartbeat interval times a few, so a hung edge cannot stall the loop. */
  timeoutMs: number;
  /** While the edge stays unreachable, one warning per this period instead of one per beat. */
  failureLogIntervalMs: number;
}

export interface HeartbeatSender {
  /** Signs and posts one heartbeat; never throws. Resolves to whether the edge accepted it. */
  send(heartbeat: Heartbeat): Promise<boolean>;
}

/** Tracks a run of failed deliveries so logging stays quiet while the edge is down. */
interface FailureRun {
  failures: number;
  lastLoggedMs: number;
  suppressed: number;
}

export function createHeartbeatSender(options: HeartbeatSenderOptions): HeartbeatSender {
  const { logger, clock } = options;
  let run: FailureRun | undefined;

  const onFailure = (reason: string): void => {
    const nowMs = clock.nowMs();
    if (run === undefined) {
      run = { failures: 1, lastLoggedMs: nowMs, suppressed: 0 };
      logger.warn('heartbeat not delivered; retrying every beat', { reason });
      return;
    }
    run.failures += 1;
    if (nowMs - run.lastLoggedMs < options.failureLogIntervalMs) {
      run.suppressed += 1;
      return;
    }
    logger.warn('heartbeat still not delivered', {
      reason,
      failures: run.failures,
      suppressed: run.suppressed,
    });
    run.lastLoggedMs = nowMs;
    run.suppressed = 0;
  };

  const onSuccess = (): void => {
    if (run === undefined) return;
    logger.info('heartbeat delivered again', { failures: run.failures });
    run = undefined;
  };

  return {
    async send(heartbeat) {
      const body = JSON.stringify(heartbeat);
      try {
        const signed = await sign(options.secret, 'heartbeat', body, clock.nowMs());
        const response = await options.fetch(`${options.edgeUrl}${heartbeatPath}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...signed },
          body,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        // Read the body so the keep-alive connection is reused for the next beat.
        await response.arrayBuffer();
        if (!response.ok) {
          onFailure(`edge answered ${response.status}`);
          return false;
        }
        onSuccess();
        return true;
      } catch (error) {
        onFailure(errorMessage(error));
        return false;
      }
    },
  };
}
