import { createSimMetrics, type SimMetrics } from './metrics';
import { createScheduler, type Scheduler } from './scheduler';
import type { SimConfig } from './sim-config';
import { SimError } from './sim-error';

export type SleepLevel = 1 | 2;

/**
 * The simulated engine's state shared by the routes and the process shell: the batch scheduler,
 * the metrics, sleep mode and draining. One per process (or per test).
 */
export interface SimRuntime {
  readonly config: SimConfig;
  readonly scheduler: Scheduler;
  readonly metrics: SimMetrics;
  isSleeping(): boolean;
  sleep(level: SleepLevel): void;
  wakeUp(): void;
  /** After SIGTERM: generation requests are refused while in-flight ones finish. */
  beginDrain(): void;
  /** Throws the error vLLM would give when the engine cannot take a generation request now. */
  assertAcceptingWork(): void;
  /** The served name a request addresses (the first one when `model` is omitted), or a 404. */
  resolveModel(requested: string | undefined): string;
}

export function createSimRuntime(config: SimConfig): SimRuntime {
  const scheduler = createScheduler(config.maxNumSeqs);
  const [firstName] = config.servedModelNames;
  const metrics = createSimMetrics({
    modelName: firstName ?? config.model,
    readBatch: () => scheduler.stats(),
    kvCapacityTokens: config.maxModelLen * config.maxNumSeqs,
  });
  let sleepLevel: SleepLevel | undefined;
  let draining = false;

  return {
    config,
    scheduler,
    metrics,
    isSleeping: () => sleepLevel !== undefined,
    sleep: (level) => {
      sleepLevel = level;
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
  };
}
