import { describe, expect, it } from 'vitest';
import {
  createKeySql,
  firstKeyRow,
  listKeysSql,
  revokeKeySql,
  rotateKeySql,
} from '../../scripts/lib/key-sql';
import { parseKeysArgs } from '../../scripts/lib/keys-args';
import {
  buildKeyRecord,
  createKeyInputSchema,
  toKeySummary,
  type KeyLimits,
} from '../../worker/admin/key-records';

const localState = '/repo/.wrangler/state';
const unlimited: KeyLimits = {
  requestsPerMinute: null,
  tokensPerMinute: null,
  monthlyBudgetUsd: null,
  maxConcurrency: null,
  maxTokensPerRequest: null,
};

describe('parseKeysArgs', () => {
  it.each([
    [
      'create with limits, on local state',
      ['create', '--tenant', 'acme', '--name', 'web', '--rpm', '60', '--budget', '12.5'],
      {
        kind: 'create',
        json: false,
        target: { remote: false, persistTo: localState, env: undefined },
        input: {
          tenantId: 'acme',
          name: 'web',
          limits: { requestsPerMinute: 60, monthlyBudgetUsd: 12.5 },
          logPayloads: false,
          cacheMode: 'on',
        },
      },
    ],
    [
      'create with payload logging turned on',
      ['create', '--tenant', 'acme', '--name', 'audit', '--log-payloads'],
      {
        kind: 'create',
        input: { tenantId: 'acme', name: 'audit', limits: {}, logPayloads: true, cacheMode: 'on' },
      },
    ],
    [
      'create limited to two model names, exact cache only',
      ['create', '--tenant', 'acme', '--name', 'bot', '--models', 'auto, fast', '--cache', 'exact'],
      {
        kind: 'create',
        input: {
          tenantId: 'acme',
          name: 'bot',
          limits: {},
          logPayloads: false,
          allowedModels: ['auto', 'fast'],
          cacheMode: 'exact',
        },
      },
    ],
    [
      'list on a remote environment as JSON',
      ['list', '--tenant', 'acme', '--remote', '--env', 'production', '--json'],
      {
        kind: 'list',
        tenantId: 'acme',
        json: true,
        target: { remote: true, env: 'production', persistTo: undefined },
      },
    ],
    [
      'revoke on a scratch directory',
      ['revoke', 'key_1', '--persist-to', '/tmp/scratch'],
      { kind: 'revoke', keyId: 'key_1', target: { remote: false, persistTo: '/tmp/scratch' } },
    ],
    ['rotate', ['rotate', 'key_1'], { kind: 'rotate', keyId: 'key_1' }],
    ['--help alone', ['--help'], { kind: 'help' }],
    ['--help after a command', ['create', '--help'], { kind: 'help' }],
  ])('parses %s', (_case, argv, expected) => {
    expect(parseKeysArgs(argv, localState)).toEqual({
      ok: true,
      command: expect.objectContaining(expected),
    });
  });

  it.each([
    ['no command', [], /^Name a command/],
    ['an unknown command', ['lst'], /^Unknown command 'lst'/],
    ['an unknown flag', ['list', '--bogus'], /^Unknown option '--bogus'$/],
    ['a flag without its value', ['list', '--tenant'], /--tenant/],
    ['a flag of another command', ['list', '--rpm', '3'], /^--rpm is not an option of list\.$/],
    [
      '--log-payloads outside create',
      ['rotate', 'key_1', '--log-payloads'],
      /^--log-payloads is not an option of rotate\.$/,
    ],
    [
      '--log-payloads with a value',
      ['create', '--tenant', 'a', '--name', 'x', '--log-payloads=yes'],
      /--log-payloads/,
    ],
    ['create without --tenant', ['create', '--name', 'x'], /^create needs --tenant\.$/],
    ['create without --name', ['create', '--tenant', 'acme'], /^create needs --name\.$/],
    [
      'a limit that is not a number',
      ['create', '--tenant', 'a', '--name', 'x', '--tpm', 'ten'],
      /^--tpm: 'ten' is not a number\.$/,
    ],
    ['a negative limit', ['create', '--tenant', 'a', '--name', 'x', '--rpm', '-5'], /--rpm/],
    ['a fractional rpm', ['create', '--tenant', 'a', '--name', 'x', '--rpm', '1.5'], /^--rpm: /],
    [
      'a fractional concurrency',
      ['create', '--tenant', 'a', '--name', 'x', '--concurrency', '0.5'],
      /^--concurrency: /,
    ],
    [
      'a tenant id with SQL in it',
      ['create', '--tenant', "a' OR 1=1", '--name', 'x'],
      /^--tenant: /,
    ],
    [
      'a stray argument to create',
      ['create', 'extra', '--tenant', 'a', '--name', 'x'],
      /no argument 'extra'/,
    ],
    [
      'an unknown cache mode',
      ['create', '--tenant', 'a', '--name', 'x', '--cache', 'semantic'],
      /^--cache: /,
    ],
    [
      'a model name with a space in it',
      ['create', '--tenant', 'a', '--name', 'x', '--models', 'auto,my model'],
      /^--models\.1: /,
    ],
    [
      'an empty model list',
      ['create', '--tenant', 'a', '--name', 'x', '--models', ''],
      /^--models/,
    ],
    ['revoke without a key id', ['revoke'], /^revoke needs a key id/],
    ['rotate with two key ids', ['rotate', 'key_1', 'key_2'], /takes one key id/],
    [
      '--persist-to with --remote',
      ['list', '--remote', '--persist-to', 'x'],
      /--persist-to is for local state/,
    ],
  ])('rejects %s with one line', (_case, argv, message) => {
    const parsed = parseKeysArgs(argv, localState);
    expect(parsed.ok).toBe(false);
    const error = parsed.ok ? '' : parsed.error;
    expect(error).toMatch(message);
    expect(error).not.toContain('\n');
  });
});

const record = buildKeyRecord(
  createKeyInputSchema.parse({
    tenantId: 'acme',
    name: "'); DROP TABLE api_keys;--",
    limits: { tokensPerMinute: 1000 },
  }),
  { keyId: 'key_0123456789abcdef', keyHash: 'ab'.repeat(32), keyPrefix: 'sk-sy-AbCd' },
  1_780_000_000_000,
);

describe('the SQL of npm run keys', () => {
  it('creates the tenant only when it is missing, then the key, with every value a literal', () => {
    const [tenant, key] = createKeySql(record).split('\n');
    expect(tenant).toBe(
      "INSERT INTO tenants (id, name, created_at_ms) VALUES ('acme', 'acme', 1780000000000) ON CONFLICT(id) DO NOTHING;",
    );
    expect(key).toContain(
      "VALUES ('key_0123456789abcdef', 'acme', '''); DROP TABLE api_keys;--', 'abab",
    );
    expect(key).toContain(
      "'sk-sy-AbCd', 'active', 1780000000000, NULL, NULL, 1000, NULL, NULL, NULL, 0, NULL, 'on');",
    );
  });

  it('writes payload logging as the 0 or 1 SQLite stores for a boolean', () => {
    const optedIn = { ...record, key: { ...record.key, logPayloads: true } };
    expect(createKeySql(optedIn).split('\n')[1]).toMatch(/, NULL, 1, NULL, 'on'\);$/);
  });

  it('writes allowed models as the JSON text drizzle reads back', () => {
    const limited = { ...record, key: { ...record.key, allowedModels: ['auto', "o'k"] } };
    expect(createKeySql(limited).split('\n')[1]).toMatch(/, '\["auto","o''k"\]', 'on'\);$/);
  });

  it.each([
    ['every key', undefined, 'FROM api_keys ORDER BY created_at_ms, id;'],
    [
      "one tenant's keys",
      "x'y",
      "FROM api_keys WHERE tenant_id = 'x''y' ORDER BY created_at_ms, id;",
    ],
  ])('lists %s without ever selecting the hash', (_case, tenantId, tail) => {
    const sql = listKeysSql(tenantId);
    expect(sql.endsWith(tail)).toBe(true);
    expect(sql).not.toContain('key_hash');
  });

  it('revokes once: a second revoke keeps the first time', () => {
    expect(revokeKeySql("k'1", 5).split('\n')[1]).toBe(
      "UPDATE api_keys SET status = 'revoked', revoked_at_ms = coalesce(revoked_at_ms, 5) WHERE id = 'k''1';",
    );
  });

  it('rotates only an active key', () => {
    expect(rotateKeySql('key_1', { keyHash: 'cd', keyPrefix: 'sk-sy-WxYz' }).split('\n')[0]).toBe(
      "UPDATE api_keys SET key_hash = 'cd', key_prefix = 'sk-sy-WxYz' WHERE id = 'key_1' AND status = 'active';",
    );
  });

  it('reads wrangler rows back into what the admin API lists', () => {
    const row = {
      id: 'key_1',
      tenant_id: 'acme',
      name: 'web',
      key_prefix: 'sk-sy-AbCd',
      status: 'revoked',
      created_at_ms: 1,
      revoked_at_ms: 2,
      requests_per_minute: 60,
      tokens_per_minute: null,
      monthly_budget_usd: 12.5,
      max_concurrency: null,
      max_tokens_per_request: null,
      log_payloads: 1,
      allowed_models: '["auto"]',
      cache_mode: 'exact',
    };
    const parsed = firstKeyRow([row]);
    expect(parsed && toKeySummary(parsed)).toEqual({
      id: 'key_1',
      tenantId: 'acme',
      name: 'web',
      prefix: 'sk-sy-AbCd',
      status: 'revoked',
      limits: { ...unlimited, requestsPerMinute: 60, monthlyBudgetUsd: 12.5 },
      logPayloads: true,
      allowedModels: ['auto'],
      cacheMode: 'exact',
      createdAtMs: 1,
      revokedAtMs: 2,
    });
    expect(firstKeyRow([])).toBeUndefined();
  });
});
