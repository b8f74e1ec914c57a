import { createApp, type GatewayApp } from './app';
import { depsFromEnv, systemClock } from './bindings';
import { createD1Repositories } from './db/d1-repositories';
import type { UsageRecord } from './ports';
import { consumeUsageBatch } from './usage/usage-queue';

export { KeyLimiter } from './limits/key-limiter-object';
export { Pool } from './pool/pool-object';

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
} satisfies ExportedHandler<Env>;
