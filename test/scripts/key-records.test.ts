import { describe, expect, it } from 'vitest';
import {
  buildKeyRecord,
  createKeyInputSchema,
  describeLimits,
  newKeyId,
  rotationOutcome,
  toKeySummary,
  type KeyLimits,
} from '../../worker/admin/key-records';

/** Runs in Node on purpose: the CLI imports this module, so it must not need the Workers runtime. */

const unlimited: KeyLimits = {
  requestsPerMinute: null,
  tokensPerMinute: null,
  monthlyBudgetUsd: null,
  maxConcurrency: null,
  maxTokensPerRequest: null,
};

const record = buildKeyRecord(
  createKeyInputSchema.parse({
    tenantId: 'acme',
    name: "'); DROP TABLE api_keys;--",
    limits: { tokensPerMinute: 1000 },
  }),
  { keyId: 'key_0123456789abcdef', keyHash: 'ab'.repeat(32), keyPrefix: 'sk-sy-AbCd' },
  1_780_000_000_000,
);

describe('shared key records', () => {
  it('builds a key whose summary has no hash and whose tenant defaults its name to its id', () => {
    expect(record.tenant).toEqual({ id: 'acme', name: 'acme', createdAtMs: 1_780_000_000_000 });
    const summary = toKeySummary(record.key);
    expect(JSON.stringify(summary)).not.toContain('ab'.repeat(32));
    expect(summary.limits).toEqual({ ...unlimited, tokensPerMinute: 1000 });
  });

  it.each([
    ['stores no payloads when the input says nothing', {}, false],
    ['stores payloads when asked to', { logPayloads: true }, true],
    ['stores no payloads when told not to', { logPayloads: false }, false],
  ])('%s', (_case, extra, expected) => {
    const input = createKeyInputSchema.parse({ tenantId: 'acme', name: 'web', ...extra });
    const built = buildKeyRecord(input, { keyId: 'key_1', keyHash: 'ab', keyPrefix: 'sk-sy-x' }, 1);
    expect(built.key.logPayloads).toBe(expected);
    expect(toKeySummary(built.key).logPayloads).toBe(expected);
  });

  it('refuses a payload setting that is not a boolean', () => {
    const parsed = createKeyInputSchema.safeParse({ tenantId: 'a', name: 'x', logPayloads: 'yes' });
    expect(parsed.success).toBe(false);
  });

  it('makes key ids of 16 hex digits from the injected source', () => {
    const values = [0, 0.5, 0.999];
    let i = 0;
    expect(newKeyId({ next: () => values[i++ % 3] ?? 0 })).toBe('key_08f08f08f08f08f0');
  });

  it.each([
    ['no row', undefined, 'not_found'],
    ['an active row', 'active', 'rotated'],
    ['a revoked row', 'revoked', 'revoked'],
  ] as const)('reads a rotation of %s as %s', (_case, status, expected) => {
    const row = status === undefined ? undefined : { ...record.key, status };
    expect(rotationOutcome(row).status).toBe(expected);
  });

  it.each([
    ['no limits', unlimited, 'unlimited'],
    [
      'every limit',
      {
        requestsPerMinute: 60,
        tokensPerMinute: 100_000,
        monthlyBudgetUsd: 50,
        maxConcurrency: 4,
        maxTokensPerRequest: 4096,
      },
      'rpm=60 tpm=100000 budget=$50 concurrency=4 max-tokens=4096',
    ],
    ['a budget only', { ...unlimited, monthlyBudgetUsd: 12.5 }, 'budget=$12.5'],
  ])('describes %s in one line', (_case, limits, expected) => {
    expect(describeLimits(limits)).toBe(expected);
  });
});
