import type { ScrapeEngineMetrics } from './heartbeat-reporter';
import type { Logger } from './logger';
import type { Clock, Sleep } from './ports';
import type { ProbeResult } from './readiness';
import type { ReplicaStatus } from './state-machine';
import {
  canaryDue,
  canarySent,
  initialStallState,
  observeCanary,
  observeMetrics,
  type StallState,
  type WatchdogPolicy,
} from './stall-detector';

export interface WatchdogOptions {
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  intervalMs: number;
  policy: WatchdogPolicy;
  /** One canary's hard timeout: a hung engine never answers, so the timeout is the verdict. */
  canaryTimeoutMs: number;
  getStatus: () => ReplicaStatus;
  scrape: ScrapeEngineMetrics;
  canary: (signal: AbortSignal) => Promise<ProbeResult>;
  onUnhealthy: (reason: string) => void;
  onCanary?: (seconds: number, ok: boolean) => void;
}

export interface Watchdog {
  /** One round: scrape, judge, maybe send a canary (without waiting for it). */
  check(): Promise<void>;
  /** Runs `check` every interval until `stop`. */
  start(): void;
  stop(): Promise<void>;
}

/** What is being watched: one ready period (a new one after every restart or wake). */
interface Watched {
  readySinceMs: number;
  state: StallState;
}

/**
 * The shell around the stall detector: watches only while `ready`, from a clean state each ready
 * period, scrapes `/metrics` every interval, and sends canaries concurrently so a hung canary
 * never stops the stall clock. The first unhealthy verdict of a period is reported once.
 */
export function createWatchdog(options: WatchdogOptions): Watchdog {
  const { clock, policy } = options;
  let watched: Watched | undefined;
  let canaryInFlight = false;
  const stopped = new AbortController();
  let loop: Promise<void> | undefined;

  const report = (target: Watched, reason: string): void => {
    if (watched !== target) return;
    watched = undefined;
    options.onUnhealthy(reason);
  };

  const runCanary = async (target: Watched): Promise<void> => {
    canaryInFlight = true;
    const sentAtMs = clock.nowMs();
    target.state = canarySent(target.state, sentAtMs);
    const result = await options.canary(AbortSignal.timeout(options.canaryTimeoutMs));
    canaryInFlight = false;
    options.onCanary?.((clock.nowMs() - sentAtMs) / 1000, result.ok);
    if (!result.ok) options.logger.warn('watchdog canary failed', { reason: result.reason });
    if (watched !== target) return;
    const judged = observeCanary(target.state, result, sentAtMs, clock.nowMs());
    target.state = judged.state;
    if (!judged.verdict.healthy) report(target, judged.verdict.reason);
  };

  const check = async (): Promise<void> => {
    const status = options.getStatus();
    if (status.state !== 'ready') {
      watched = undefined;
      return;
    }
    if (watched?.readySinceMs !== status.sinceMs) {
      watched = { readySinceMs: status.sinceMs, state: initialStallState(clock.nowMs()) };
    }
    const target = watched;
    const sample = await options.scrape();
    if (watched !== target) return;
    const judged = observeMetrics(target.state, sample, clock.nowMs(), policy);
    target.state = judged.state;
    if (!judged.verdict.healthy) return report(target, judged.verdict.reason);
    if (!canaryInFlight && canaryDue(target.state, clock.nowMs(), policy)) void runCanary(target);
  };

  return {
    check,
    start() {
      loop ??= (async () => {
        while (!stopped.signal.aborted) {
          await check();
          await options.sleep(options.intervalMs, stopped.signal).catch(() => undefined);
        }
      })();
    },
    async stop() {
      stopped.abort();
      await loop;
    },
  };
}
