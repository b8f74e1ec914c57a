import { createKvCache, type KvCache } from './kv-cache';
import { resolveLatency, type LatencyConfig } from './latency';
import type { Logger } from './logger';
import { createSimMetrics, type SimMetrics } from './metrics';
import { createScheduler, type Scheduler } from './scheduler';
import { kvCacheBlocks, type SimConfig } from './sim-config';
import { SimError } from './sim-error';

export type SleepLevel = 1 | 2;

/** What the runtime cannot do itself: the process shell kills the process. */
export interface SimRuntimeHooks {
  /** The engine dies at once, like vLLM on a CUDA error (fault injection). */
  crash(): void;
  logger: Logger;
}

/**
 * The simulated engine's state shared by the routes and the process shell: the batch scheduler,
 * the KV cache, the metrics, sleep mode, draining and injected engine-wide faults. One per
 * process (or per test).
 */
export interface SimRuntime {
  readonly config: SimConfig;
  readonly latency: LatencyConfig;
  readonly scheduler: Scheduler;
  readonly kvCache: KvCache;
  readonly metrics: SimMetrics;
  isSleeping(): boolean;
  /** Sleeping discards the KV cache, prefix cache included, as vLLM's sleep levels 1 and 2 do. */
  sleep(level: SleepLevel): void;
  wakeUp(): void;
  /** After SIGTERM: generation requests are refused while in-flight ones finish. */
  beginDrain(): void;
  /** Throws the error vLLM would give when the engine cannot take a generation request now. */
  assertAcceptingWork(): void;
  /** The served name a request addresses (the first one when `model` is omitted), or a 404. */
  resolveModel(requested: string | undefined): string;
  /**
   * Counts one generation request against `--sim-crash-after-requests` and
   * `--sim-hang-after-requests`: request N+1 crashes the process or hangs the engine.
   */
  countRequest(): void;
  crash(): void;
  /** A hung engine keeps answering /health and /metrics but produces no token any more. */
  isHung(): boolean;
}

export function createSimRuntime(config: SimConfig, hooks: SimRuntimeHooks): SimRuntime {
  const scheduler = createScheduler({
    maxRunning: config.maxNumSeqs,
    maxWaiting: config.simMaxWaiting,
  });
  const kvCache = createKvCache({
    blockSize: config.blockSize,
    totalBlocks: kvCacheBlocks(config),
    prefixCaching: config.enablePrefixCaching,
  });
  const [firstName] = config.servedModelNames;
  const metrics = createSimMetrics({
    modelName: firstName ?? config.model,
    readBatch: () => scheduler.stats(),
    readKvCache: () => kvCache.stats(),
  });
  const latency = resolveLatency(
    config.simProfile,
    {
      overheadMs: config.simTtftMs,
      prefillMsPerToken: config.simPrefillMsPerToken,
      interTokenMs: config.simInterTokenMs,
      batchSlowdown: config.simBatchSlowdown,
    },
    config.simSpeedup,
  );
  let sleepLevel: SleepLevel | undefined;
  let draining = false;
  let requests = 0;
  let hung = false;

  const crash = (): void => {
    hooks.logger.error('crashing (fault injection)', { requests });
    hooks.crash();
  };

  return {
    config,
    latency,
    scheduler,
    kvCache,
    metrics,
    isSleeping: () => sleepLevel !== undefined,
    sleep: (level) => {
      sleepLevel = level;
      kvCache.clear();
    },
    wakeUp: () => {
      sleepLevel = undefined;
    },
    beginDrain: () => {
      draining = true;
    },
    assertAcceptingWork: () => {
      if (draining) throw new SimError('shutting_down', 'The server is shutting down.');
      if (sleepLevel !== undefined) {
        throw new SimError('engine_sleeping', 'The engine is sleeping; call /wake_up first.');
      }
    },
    resolveModel: (requested) => {
      if (requested === undefined) return firstName ?? config.model;
      if (config.servedModelNames.includes(requested)) return requested;
      throw new SimError('model_not_found', `The model \`${requested}\` does not exist.`);
    },
    countRequest: () => {
      requests += 1;
      if (config.simCrashAfterRequests !== undefined && requests > config.simCrashAfterRequests) {
        crash();
      }
      if (!hung && config.simHangAfterRequests !== undefined) {
        if (requests > config.simHangAfterRequests) {
          hung = true;
          hooks.logger.warn('engine hung (fault injection)', { requests });
        }
      }
    },
    crash,
    isHung: () => hung,
  };
}
