import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { createCompletionRoutes } from './completion-routes';
import { createEmbeddingRoutes } from './embedding-routes';
import { createEngineRoutes } from './engine-routes';
import type { SimAppDeps } from './sim-app-deps';
import { errorResponse, SimError } from './sim-error';

/**
 * The simulator's HTTP surface: vLLM's OpenAI-compatible server, with every error in one
 * envelope. The process shell (main.ts) serves it; tests call `app.request()` directly.
 */
export function createSimApp(deps: SimAppDeps): Hono {
  const app = new Hono();
  app.route('/', createCompletionRoutes(deps));
  app.route('/', createEmbeddingRoutes(deps));
  app.route('/', createEngineRoutes(deps));
  app.notFound((c) =>
    errorResponse(new SimError('route_not_found', `Not Found: ${c.req.method} ${c.req.path}`)),
  );
  app.onError((error) => {
    if (error instanceof SimError) return errorResponse(error);
    // Hono's validator throws this for a body that is not JSON.
    if (error instanceof HTTPException && error.status === 400) {
      return errorResponse(new SimError('bad_request', error.message));
    }
    deps.logger.error('unhandled error', { error: String(error) });
    return errorResponse(new SimError('internal', 'Internal server error'));
  });
  return app;
}
