import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createCryptoRng, depsFromEnv } from '../../worker/bindings';
import { defaultCatalogue } from '../../worker/config/models';

const withCatalogue = (json: string | undefined) =>
  ({ ...env, MODEL_CATALOGUE: json }) as unknown as Env;

const custom = JSON.stringify({
  ...defaultCatalogue,
  version: 7,
  aliases: { quick: 'sim-small' },
});

describe('MODEL_CATALOGUE in bindings.ts', () => {
  it('uses the default catalogue when the var is unset', () => {
    const models = depsFromEnv(withCatalogue(undefined)).config.models;
    expect(models.version).toBe(defaultCatalogue.version);
    expect(models.aliases.get('fast')).toBe('sim-small');
    expect(models.routes.get('auto')?.thresholds).toHaveLength(1);
  });

  it('parses the var once per isolate and again only when its text changes', () => {
    const first = depsFromEnv(withCatalogue(custom)).config.models;
    expect(first.version).toBe(7);
    expect(first.aliases.get('quick')).toBe('sim-small');
    expect(depsFromEnv(withCatalogue(custom)).config.models).toBe(first);
    expect(depsFromEnv(withCatalogue(undefined)).config.models).not.toBe(first);
  });

  it('refuses an invalid catalogue with the problem named', () => {
    const broken = JSON.stringify({ ...defaultCatalogue, aliases: { fast: 'missing' } });
    expect(() => depsFromEnv(withCatalogue(broken))).toThrow(
      /MODEL_CATALOGUE: .*unknown model 'missing'/,
    );
  });
});

describe('spillover providers from the catalogue', () => {
  const withProvider = JSON.stringify({
    ...defaultCatalogue,
    version: 8,
    models: {
      ...defaultCatalogue.models,
      'gpt-4o-mini': {
        provider: { baseUrl: 'https://api.openai.com/v1', apiKeySecret: 'OPENAI_API_KEY' },
      },
    },
  });

  it('reads the provider’s key from the secret the catalogue names', () => {
    const deps = depsFromEnv({
      ...env,
      MODEL_CATALOGUE: withProvider,
      OPENAI_API_KEY: 'sk-test-provider',
    } as unknown as Env);
    expect(deps.providers.forModel('gpt-4o-mini')).toEqual({
      name: 'api.openai.com',
      baseUrl: 'https://api.openai.com/v1',
      apiKey: 'sk-test-provider',
      model: 'gpt-4o-mini',
    });
    expect(deps.providers.forModel('sim-small')).toBeUndefined();
  });
});

describe('LOAD_FACTOR', () => {
  it('sets the bounded-load factor of replica choice, 1.5 by default', () => {
    expect(depsFromEnv(withCatalogue(undefined)).config.forwarding.loadFactor).toBe(1.5);
    const set = { ...env, LOAD_FACTOR: '2' } as unknown as Env;
    expect(depsFromEnv(set).config.forwarding.loadFactor).toBe(2);
  });

  it('refuses a factor below 1, which would leave no replica room', () => {
    expect(() => depsFromEnv({ ...env, LOAD_FACTOR: '0.5' } as unknown as Env)).toThrow(
      /LOAD_FACTOR/,
    );
  });
});

describe('createCryptoRng', () => {
  it('draws uniform values in [0, 1) across its refills, never repeating a buffer', () => {
    const rng = createCryptoRng();
    const values = Array.from({ length: 1000 }, () => rng.next());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    // Four refills of 256: 32-bit draws from a CSPRNG do not collide in a thousand.
    expect(new Set(values).size).toBe(values.length);
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    expect(mean).toBeGreaterThan(0.4);
    expect(mean).toBeLessThan(0.6);
  });
});
