import type { Clock } from './clock';
import type { Logger } from './logger';
import type { SimRuntime } from './sim-runtime';

/** What the simulator's Hono app is built from; tests pass fakes for clock, logger and ids. */
export interface SimAppDeps {
  runtime: SimRuntime;
  clock: Clock;
  logger: Logger;
  /** A fresh request id when the client sent no `x-request-id`. */
  newId: () => string;
}
