import { describe, expect, it } from 'vitest';
import { canonicalJson, exactCacheKey, keyFields } from '../../worker/cache/cache-key';
import {
  cacheControlDirectives,
  decideCaching,
  parseTtlHeader,
} from '../../worker/cache/cache-policy';
import { seededRng } from './support/harness';

const base = {
  model: 'tiny',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Name a prime.' },
  ],
  temperature: 0,
};

const key = (body: Record<string, unknown>, tenantId = 't1', model = 'tiny') =>
  exactCacheKey({ tenantId, endpoint: 'chat', model, body });

/** One change per output-affecting field (RELIABILITY K1). */
const flips: [string, Record<string, unknown>][] = [
  [
    'messages: user text',
    { messages: [base.messages[0], { role: 'user', content: 'Name a prime!' }] },
  ],
  [
    'messages: system prompt',
    { messages: [{ role: 'system', content: 'Be verbose.' }, base.messages[1]] },
  ],
  [
    'messages: a tool message',
    { messages: [...base.messages, { role: 'tool', content: '2', tool_call_id: 'c1' }] },
  ],
  [
    'messages: role',
    { messages: [{ role: 'developer', content: 'You are terse.' }, base.messages[1]] },
  ],
  ['tools', { tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }],
  ['tool_choice', { tool_choice: 'required' }],
  ['parallel_tool_calls', { parallel_tool_calls: false }],
  ['response_format', { response_format: { type: 'json_object' } }],
  ['temperature', { temperature: 0.2 }],
  ['top_p', { top_p: 0.5 }],
  ['max_tokens', { max_tokens: 10 }],
  ['max_completion_tokens', { max_completion_tokens: 10 }],
  ['stop', { stop: ['\n'] }],
  ['n', { n: 2 }],
  ['seed', { seed: 3 }],
  ['presence_penalty', { presence_penalty: 0.5 }],
  ['frequency_penalty', { frequency_penalty: 0.5 }],
  ['logit_bias', { logit_bias: { '50256': -100 } }],
  ['logprobs', { logprobs: true }],
  ['top_logprobs', { top_logprobs: 2 }],
  ['engine extra top_k', { top_k: 5 }],
  ['engine extra min_p', { min_p: 0.1 }],
  ['engine extra repetition_penalty', { repetition_penalty: 1.1 }],
  ['engine extra guided_json', { guided_json: { type: 'object' } }],
  ['engine extra chat_template_kwargs', { chat_template_kwargs: { enable_thinking: false } }],
];

describe('exact cache key (K1)', () => {
  it.each(flips)('changes when %s changes', async (_field, change) => {
    expect((await key({ ...base, ...change })).hash).not.toBe((await key(base)).hash);
  });

  it('changes with the resolved model and with the tenant', async () => {
    const original = (await key(base)).hash;
    expect((await key(base, 't1', 'other')).hash).not.toBe(original);
    expect((await key(base, 't2')).hash).not.toBe(original);
  });

  it('changes with the endpoint', async () => {
    const chat = await key(base);
    const legacy = await exactCacheKey({
      tenantId: 't1',
      endpoint: 'completions',
      model: 'tiny',
      body: base,
    });
    expect(legacy.hash).not.toBe(chat.hash);
  });

  it('ignores key order, whitespace, framing and explicit defaults', async () => {
    const original = (await key(base)).hash;
    const reordered = JSON.parse(
      `{ "temperature" : 0,\n "messages": [{"content":"You are terse.","role":"system"},
        {"content": "Name a prime.", "role": "user"}], "model":"tiny" }`,
    ) as Record<string, unknown>;
    expect((await key(reordered)).hash).toBe(original);
    const framed = { ...base, stream: true, stream_options: { include_usage: true }, user: 'u-1' };
    expect((await key(framed)).hash).toBe(original);
    const defaults = {
      ...base,
      top_p: 1,
      n: 1,
      presence_penalty: 0,
      tool_choice: 'none',
      seed: null,
    };
    expect((await key(defaults)).hash).toBe(original);
    expect((await key({ ...base, stop: '\n' })).hash).toBe(
      (await key({ ...base, stop: ['\n'] })).hash,
    );
  });

  it('keeps its properties over random bodies: shuffled keys never change it, any flip always does', async () => {
    const rng = seededRng(5);
    const shuffle = (o: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(o).sort(() => rng.next() - 0.5));
    for (let i = 0; i < 40; i += 1) {
      const body = {
        ...base,
        seed: Math.floor(rng.next() * 1e6),
        top_k: Math.floor(rng.next() * 50),
      };
      const original = (await key(body)).hash;
      expect((await key(shuffle(body))).hash).toBe(original);
      const [, change] = flips[Math.floor(rng.next() * flips.length)]!;
      expect((await key({ ...body, ...change })).hash).not.toBe(original);
    }
  });

  it('prefixes the KV key with the tenant so a tenant purge is one prefix listing', async () => {
    const k = await key(base, 'acme');
    expect(k.kvKey).toBe(`acme/${k.hash}`);
    expect(k.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fills defaults and drops framing in the canonical form', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    const fields = keyFields('chat', 'resolved', { ...base, model: 'alias', stream: true });
    expect(fields).toMatchObject({
      model: 'resolved',
      temperature: 0,
      top_p: 1,
      tool_choice: 'none',
    });
    expect(fields).not.toHaveProperty('stream');
  });
});

const config = { defaultTtlSeconds: 600, maxTtlSeconds: 3600 };

describe('cache policy (K2, K7)', () => {
  it.each([
    [{ temperature: 0 }, 'on', undefined, { kind: 'use', read: true, write: true, semantic: true }],
    [{ seed: 1 }, 'on', undefined, { kind: 'use' }],
    [{ temperature: 0 }, 'exact', undefined, { kind: 'use', semantic: false }],
    [{ temperature: 0 }, 'off', undefined, { kind: 'bypass', reason: 'key_cache_off' }],
    [{}, 'on', undefined, { kind: 'bypass', reason: 'not_deterministic' }],
    [{ temperature: 0.1 }, 'on', undefined, { kind: 'bypass', reason: 'not_deterministic' }],
    [{ temperature: 0, top_logprobs: 1 }, 'on', undefined, { kind: 'bypass', reason: 'logprobs' }],
    [{ temperature: 0 }, 'on', 'no-cache', { kind: 'use', read: false, write: true }],
    [{ temperature: 0 }, 'on', 'no-store', { kind: 'use', read: true, write: false }],
    [
      { temperature: 0 },
      'on',
      'NO-STORE, no-cache',
      { kind: 'bypass', reason: 'no_cache_no_store' },
    ],
  ] as const)(
    '%j with mode %s and cache-control %s → %j',
    (body, cacheMode, cacheControl, expected) => {
      expect(
        decideCaching({ body, cacheMode, cacheControl, ttlSeconds: undefined, config }),
      ).toMatchObject(expected);
    },
  );

  it.each([
    [undefined, { ok: true, ttlSeconds: undefined }],
    ['120', { ok: true, ttlSeconds: 120 }],
    ['1', { ok: true, ttlSeconds: 60 }],
    ['999999', { ok: true, ttlSeconds: 3600 }],
    ['0', { ok: false }],
    ['x', { ok: false }],
    ['1e3', { ok: false }],
  ] as const)('x-switchyard-cache-ttl %s → %j', (value, expected) => {
    expect(parseTtlHeader(value, config)).toEqual(expected);
  });

  it('reads cache-control directives case-insensitively among others', () => {
    expect(cacheControlDirectives('max-age=0, No-Store')).toEqual({
      noCache: false,
      noStore: true,
    });
  });
});
