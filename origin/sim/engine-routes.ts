import { Hono, type Context } from 'hono';
import * as z from 'zod';
import { sleepLevelSchema } from './openai-schemas';
import type { SimAppDeps } from './sim-app-deps';
import { SimError } from './sim-error';

const sleepBodySchema = z.looseObject({ level: z.unknown().optional() });

/**
 * vLLM's non-OpenAI surface: `/health`, `/metrics`, `/v1/models`, and — only with
 * `--enable-sleep-mode`, as in vLLM — `/sleep`, `/wake_up`, `/is_sleeping`.
 */
export function createEngineRoutes(deps: SimAppDeps): Hono {
  const { runtime, clock, logger } = deps;
  const { config } = runtime;
  // vLLM reports the time the server started, not the request time, as each model's `created`.
  const createdSeconds = Math.floor(clock.nowMs() / 1000);

  const app = new Hono()
    // 200 with an empty body, also while sleeping: vLLM's /health only says the server is up.
    .get('/health', (c) => c.body(null, 200))
    .get('/metrics', async (c) =>
      c.body(await runtime.metrics.render(), 200, { 'content-type': runtime.metrics.contentType }),
    )
    .get('/v1/models', (c) =>
      c.json({
        object: 'list',
        data: config.servedModelNames.map((name) => ({
          id: name,
          object: 'model',
          created: createdSeconds,
          owned_by: 'vllm',
          root: config.model,
          parent: null,
          max_model_len: config.maxModelLen,
        })),
      }),
    );
  if (!config.enableSleepMode) return app;

  return app
    .post('/sleep', async (c) => {
      const level = sleepLevelSchema.safeParse(c.req.query('level') ?? (await bodyLevel(c)) ?? 1);
      if (!level.success) throw new SimError('bad_request', 'level: must be 1 or 2');
      runtime.sleep(level.data === 1 ? 1 : 2);
      logger.info('sleeping', { level: level.data });
      return c.body(null, 200);
    })
    .post('/wake_up', async (c) => {
      // Level 1 copies the weights back from CPU memory: seconds on a real GPU.
      await clock.sleep(config.simWakeDelayMs, c.req.raw.signal);
      runtime.wakeUp();
      logger.info('awake');
      return c.body(null, 200);
    })
    .get('/is_sleeping', (c) => c.json({ is_sleeping: runtime.isSleeping() }));
}

/** `level` from an optional JSON body; an empty body means "not given". */
async function bodyLevel(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SimError('bad_request', 'Malformed JSON in request body');
  }
  const body = sleepBodySchema.safeParse(json);
  return body.success ? body.data.level : undefined;
}
