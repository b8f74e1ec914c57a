import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { depsFromEnv } from '../../worker/bindings';
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
