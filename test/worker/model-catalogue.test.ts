import { describe, expect, it } from 'vitest';
import { catalogueSchema, defaultCatalogue, parseCatalogue } from '../../worker/config/models';
import { buildModelCatalogue, mayUse, resolveName } from '../../worker/router/model-catalogue';

const base = {
  version: 2,
  models: {
    small: {},
    large: {
      provider: {
        baseUrl: 'https://api.example.com/v1',
        apiKeySecret: 'EXAMPLE_KEY',
        model: 'x-70b',
      },
    },
  },
  aliases: { fast: 'small' },
  routes: {
    auto: {
      router: 'hashed-logistic-v1',
      tiers: [
        { name: 'small', model: 'small' },
        { name: 'large', model: 'large' },
      ],
      target: { topTierShare: 0.2 },
    },
  },
};

const autoWith = (route: Record<string, unknown>) => ({
  ...base,
  routes: { auto: { ...base.routes.auto, ...route } },
});

/** The base catalogue with a middle tier on a third model, and the route's fields overridden. */
const withThreeTiers = (route: Record<string, unknown>) => ({
  ...base,
  models: { ...base.models, mid: {} },
  routes: {
    auto: {
      ...base.routes.auto,
      tiers: [
        { name: 'small', model: 'small' },
        { name: 'mid', model: 'mid' },
        { name: 'large', model: 'large' },
      ],
      ...route,
    },
  },
});

describe('the model catalogue schema', () => {
  it('accepts models served by the pool or by a provider, aliases and a routed name', () => {
    const parsed = catalogueSchema.parse(base);
    expect(parsed.models.large?.provider?.apiKeySecret).toBe('EXAMPLE_KEY');
    // The downgrade is on by default, with its margin.
    expect(parsed.routes.auto?.downgrade).toEqual({ enabled: true, margin: 0.15 });
  });

  it.each([
    {
      name: 'an alias to an unknown model',
      value: { ...base, aliases: { fast: 'tiny' } },
      error: /unknown model 'tiny'/,
    },
    {
      name: 'a tier on an unknown model',
      value: autoWith({
        tiers: [
          { name: 'small', model: 'small' },
          { name: 'large', model: 'huge' },
        ],
      }),
      error: /unknown model 'huge'/,
    },
    {
      name: 'a name that is both alias and model',
      value: { ...base, aliases: { small: 'large' } },
      error: /named twice: as model and as alias/,
    },
    {
      name: 'a routed name that is also an alias',
      value: { ...base, aliases: { auto: 'small' } },
      error: /named twice: as alias and as route/,
    },
    {
      name: 'neither thresholds nor target',
      value: autoWith({ target: undefined }),
      error: /thresholds or a target/,
    },
    {
      name: 'thresholds that do not ascend',
      value: withThreeTiers({ target: undefined, thresholds: [0.6, 0.4] }),
      error: /ascend/,
    },
    {
      name: 'a target for three tiers',
      value: withThreeTiers({}),
      error: /two tiers only/,
    },
    {
      name: 'a wrong number of thresholds',
      value: autoWith({ thresholds: [0.2, 0.4] }),
      error: /one threshold per tier/,
    },
    {
      name: 'duplicate tier names',
      value: autoWith({
        tiers: [
          { name: 'a', model: 'small' },
          { name: 'a', model: 'large' },
        ],
      }),
      error: /tier names must differ/,
    },
    {
      name: 'a provider key given as a value, not a secret name',
      value: {
        ...base,
        models: {
          small: {},
          large: { provider: { baseUrl: 'https://x.example/v1', apiKeySecret: 'sk-live-123' } },
        },
      },
      error: /secret name/,
    },
    {
      name: 'a plain-http provider',
      value: {
        ...base,
        models: {
          small: {},
          large: { provider: { baseUrl: 'http://x.example/v1', apiKeySecret: 'K' } },
        },
      },
      error: /url/i,
    },
    {
      name: 'a model name with a quote',
      value: { ...base, models: { ...base.models, "it's": {} } },
      error: /Invalid key in record/,
    },
    {
      name: 'an unknown router',
      value: autoWith({ router: 'embeddings-knn' }),
      error: /hashed-logistic-v1/,
    },
    { name: 'an unknown field', value: { ...base, fallback: 'large' }, error: /unrecognized/i },
  ])('rejects $name', ({ value, error }) => {
    const result = catalogueSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join('\n')).toMatch(error);
  });

  it('parses MODEL_CATALOGUE, falls back to the default when unset and names what is wrong', () => {
    expect(parseCatalogue(undefined)).toBe(defaultCatalogue);
    expect(parseCatalogue('  ')).toBe(defaultCatalogue);
    expect(parseCatalogue(JSON.stringify(base)).version).toBe(2);
    expect(() => parseCatalogue('{')).toThrow('MODEL_CATALOGUE is not valid JSON');
    expect(() => parseCatalogue(JSON.stringify({ ...base, aliases: { fast: 'nope' } }))).toThrow(
      /MODEL_CATALOGUE: aliases alias 'fast' → unknown model 'nope'|MODEL_CATALOGUE: .*unknown model 'nope'/,
    );
  });
});

describe('name resolution and per-key policy', () => {
  const catalogue = buildModelCatalogue(JSON.stringify(base));

  it.each([
    { name: 'fast', resolved: { kind: 'model', model: 'small', alias: 'fast' } },
    { name: 'large', resolved: { kind: 'model', model: 'large' } },
    // Not in the catalogue: passed on as a model, which the pool serves or answers 404 for.
    { name: 'llama-3-8b', resolved: { kind: 'model', model: 'llama-3-8b' } },
    // A client-chosen name never reaches an object prototype.
    { name: 'constructor', resolved: { kind: 'model', model: 'constructor' } },
    { name: '__proto__', resolved: { kind: 'model', model: '__proto__' } },
  ])('resolves $name', ({ name, resolved }) => {
    expect(resolveName(catalogue, name)).toEqual(resolved);
  });

  it('resolves a routed name to its route with the threshold calibrated from the target', () => {
    const resolved = resolveName(catalogue, 'auto');
    expect(resolved.kind).toBe('route');
    if (resolved.kind !== 'route') return;
    expect(resolved.route.thresholds).toHaveLength(1);
    const reference = catalogue.router.referenceScores;
    const up = reference.filter((s) => s >= resolved.route.thresholds[0]!).length;
    expect(up / reference.length).toBeLessThanOrEqual(0.2);
    expect(up / reference.length).toBeGreaterThan(0.15);
  });

  it.each([
    { allowed: null, name: 'large', may: true },
    { allowed: ['small'], name: 'small', may: true },
    { allowed: ['small'], name: 'large', may: false },
    // An alias is another name for its model: allowed with the model or by itself.
    { allowed: ['small'], name: 'fast', may: true },
    { allowed: ['fast'], name: 'fast', may: true },
    { allowed: ['fast'], name: 'small', may: false },
    // A routed name must be listed; it does not open its tiers' models by name.
    { allowed: ['small', 'large'], name: 'auto', may: false },
    { allowed: ['auto'], name: 'auto', may: true },
    { allowed: ['auto'], name: 'large', may: false },
    { allowed: [], name: 'small', may: false },
  ])('allowed $allowed, asks for $name → $may', ({ allowed, name, may }) => {
    expect(mayUse(allowed, catalogue, name)).toBe(may);
  });
});
