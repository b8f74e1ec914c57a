import * as z from 'zod';

/**
 * The model catalogue (DESIGN §2 "Model routing"): data, validated with zod and versioned with the
 * Worker. It names the models and where each is served, the aliases (`fast`, `smart`) and the
 * routed names (`auto`) with their tiers, router and target. `MODEL_CATALOGUE` (a JSON var in
 * wrangler.toml) replaces the default below; bindings.ts parses it once per isolate.
 *
 * The catalogue does not gate the pool: a model a replica advertises is servable under its own
 * name whether or not it is listed here, as before the catalogue existed. Listing a model lets
 * aliases and tiers point at it and says where it is served when that is not the pool.
 */

/** Names clients send as `model`. No quotes or spaces, so a name is safe inside SQL literals too. */
const modelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/, 'letters, digits and . _ : / @ - only');

/** The name of a Worker secret holding a provider's API key (never the key itself). */
const secretName = z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'a secret name such as OPENAI_KEY');

const provider = z.strictObject({
  /** An OpenAI-compatible base URL, e.g. `https://api.openai.com/v1`. */
  baseUrl: z.url({ protocol: /^https$/ }),
  apiKeySecret: secretName,
  /** The provider's own name for the model, when it differs from ours. */
  model: z.string().min(1).max(256).optional(),
});

const modelEntry = z.strictObject({
  description: z.string().max(200).optional(),
  /**
   * Where it is served when the origin pool cannot: an OpenAI-compatible provider
   * (forwarding/spillover.ts says when).
   */
  provider: provider.optional(),
});

const tier = z.strictObject({
  /** The tier's name as headers, usage rows and reports show it (`small`, `large`). */
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/),
  model: modelName,
});

const route = z
  .strictObject({
    description: z.string().max(200).optional(),
    /** The scoring model; only the checked-in hashed-feature logistic router exists today. */
    router: z.literal('hashed-logistic-v1'),
    /** Cheapest first. A prompt goes to the highest tier whose threshold its score reaches. */
    tiers: z.array(tier).min(2).max(4),
    /**
     * The score each tier after the first starts at, ascending. When absent, the two-tier
     * threshold comes from `target` and the router's reference score distribution.
     */
    thresholds: z.array(z.number().min(0).max(1)).optional(),
    /** "At most this share of requests to the top tier" (two tiers only, without thresholds). */
    target: z.strictObject({ topTierShare: z.number().gt(0).lt(1) }).optional(),
    /**
     * Load-aware downgrade: when every ready replica of the top tier's model is saturated (waiting
     * > 0, or running ≥ `maxRunning` when set), a prompt scoring less than `margin` above the top
     * threshold goes one tier down instead of queueing.
     */
    downgrade: z
      .strictObject({
        enabled: z.boolean(),
        margin: z.number().min(0).max(1).default(0.15),
        maxRunning: z.number().int().positive().optional(),
      })
      .default({ enabled: true, margin: 0.15 }),
  })
  .superRefine((value, ctx) => {
    const { thresholds, target, tiers } = value;
    if (thresholds === undefined && target === undefined) {
      ctx.addIssue({ code: 'custom', message: 'give thresholds or a target' });
    }
    if (thresholds === undefined && tiers.length !== 2) {
      ctx.addIssue({ code: 'custom', message: 'a target alone calibrates two tiers only' });
    }
    if (thresholds !== undefined && thresholds.length !== tiers.length - 1) {
      ctx.addIssue({ code: 'custom', message: 'one threshold per tier after the first' });
    }
    if (thresholds?.some((t, i) => i > 0 && t <= thresholds[i - 1]!)) {
      ctx.addIssue({ code: 'custom', message: 'thresholds must ascend' });
    }
    if (new Set(tiers.map((t) => t.name)).size !== tiers.length) {
      ctx.addIssue({ code: 'custom', message: 'tier names must differ' });
    }
  });

export const catalogueSchema = z
  .strictObject({
    /** Bumped when the catalogue changes meaning; shown nowhere but in reviews and logs. */
    version: z.number().int().positive(),
    models: z.record(modelName, modelEntry),
    aliases: z.record(modelName, modelName).default({}),
    routes: z.record(modelName, route).default({}),
  })
  .superRefine((value, ctx) => {
    const models = new Set(Object.keys(value.models));
    const seen = new Map<string, string>();
    for (const [kind, names] of [
      ['model', Object.keys(value.models)],
      ['alias', Object.keys(value.aliases)],
      ['route', Object.keys(value.routes)],
    ] as const) {
      for (const name of names) {
        const earlier = seen.get(name);
        if (earlier !== undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `'${name}' is named twice: as ${earlier} and as ${kind}`,
          });
        }
        seen.set(name, kind);
      }
    }
    for (const [alias, target] of Object.entries(value.aliases)) {
      if (!models.has(target)) {
        ctx.addIssue({ code: 'custom', message: `alias '${alias}' → unknown model '${target}'` });
      }
    }
    for (const [name, spec] of Object.entries(value.routes)) {
      for (const t of spec.tiers) {
        if (!models.has(t.model)) {
          ctx.addIssue({
            code: 'custom',
            message: `route '${name}' tier '${t.name}' → unknown model '${t.model}'`,
          });
        }
      }
    }
  });

export type Catalogue = z.infer<typeof catalogueSchema>;
export type RouteSpec = Catalogue['routes'][string];
export type ProviderSpec = z.infer<typeof provider>;

/**
 * The local stack's catalogue: `sim-small` (the default, several replicas) and `sim-large` (one
 * slower replica). A deployment names its own models in `MODEL_CATALOGUE`.
 */
export const defaultCatalogue: Catalogue = catalogueSchema.parse({
  version: 1,
  models: {
    'sim-small': { description: 'small, fast model (vllm-sim, h100-8b profile)' },
    'sim-large': { description: 'large model (vllm-sim, h100-70b profile)' },
  },
  aliases: { fast: 'sim-small', smart: 'sim-large' },
  routes: {
    auto: {
      description: 'easy prompts to the small model, hard ones to the large',
      router: 'hashed-logistic-v1',
      tiers: [
        { name: 'small', model: 'sim-small' },
        { name: 'large', model: 'sim-large' },
      ],
      target: { topTierShare: 0.3 },
    },
  },
});

/** Parses a `MODEL_CATALOGUE` value; a readable error names the first problem. */
export function parseCatalogue(json: string | undefined): Catalogue {
  if (json === undefined || json.trim() === '') return defaultCatalogue;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('MODEL_CATALOGUE is not valid JSON');
  }
  const parsed = catalogueSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`MODEL_CATALOGUE: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`);
  }
  return parsed.data;
}
