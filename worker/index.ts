import { createApp, type GatewayApp } from './app';
import { depsFromEnv } from './bindings';

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
} satisfies ExportedHandler<Env>;
