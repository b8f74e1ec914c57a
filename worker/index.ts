import { createApp, type GatewayApp } from './app';
import { depsFromEnv, jsonLogger, systemClock } from './bindings';
import { createD1Repositories } from './db/d1-repositories';
import type { UsageRecord } from './ports';
import { consumeUsageBatch } from './usage/usage-queue';

export { KeyLimiter } from './limits/key-limiter-object';
export { Pool } from './pool/pool-object';
export { SemanticIndex } from './cache/semantic/semantic-index-object';
export { CacheFlight } from './cache/flight-object';

// One app per env object: the bindings are fixed for the isolate's lifetime.
const apps = new WeakMap<Env, GatewayApp>();

export default {
  fetch(request, env, ctx) {
    let app = apps.get(env);
    if (app === undefined) {
      app = createApp(depsFromEnv(env));
      apps.set(env, app);
    }
    return app.fetch(request, env, ctx);
  },
  async queue(batch, env) {
    await consumeUsageBatch(
      batch as MessageBatch<UsageRecord>,
      createD1Repositories(env.DB, systemClock).writeUsage,
    );
  },
  // Hourly (wrangler.toml [triggers]): stored payloads live no longer than their retention plus
  // an hour. The scheduled time, not the clock, is "now", so a late or retried run deletes the same.
  async scheduled(controller, env) {
    const deleted = await createD1Repositories(env.DB, systemClock).deleteExpiredPayloads(
      controller.scheduledTime,
    );
    jsonLogger.info('expired payloads deleted', { deleted, cron: controller.cron });
  },
} satisfies ExportedHandler<Env>;
