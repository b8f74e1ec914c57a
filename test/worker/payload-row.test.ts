import { describe, expect, it } from 'vitest';
import {
  buildPayloadRow,
  capUtf8,
  captureMaxChars,
  payloadCapBytes,
  storedJson,
  storedText,
} from '../../worker/core/payload-row';
import { createTextCapture } from '../../worker/core/stream-text-capture';
import type { UsageDraft } from '../../worker/core/usage-row';

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

describe('capUtf8', () => {
  it.each([
    ['short ASCII whole', 'hello', 10, 'hello', false],
    ['ASCII at exactly the cap whole', 'abcde', 5, 'abcde', false],
    ['ASCII past the cap cut at the cap', 'abcdef', 5, 'abcde', true],
    ['a two-byte character never split', 'aaaaé', 5, 'aaaa', true],
    ['an emoji never split', 'ab🚀', 5, 'ab', true],
    ['multi-byte text that fits whole', 'Grüße', 7, 'Grüße', false],
  ])('keeps %s', (_case, text, maxBytes, expected, truncated) => {
    expect(capUtf8(text, maxBytes)).toEqual({ text: expected, truncated });
  });
});

describe('storedText and storedJson', () => {
  it('redacts a stream text and marks nothing truncated when it fits', () => {
    expect(storedText({ text: 'mail a@b.io', truncated: false }, [])).toEqual({
      text: 'mail [email]',
      truncated: false,
    });
  });

  it('carries over truncation that happened while capturing', () => {
    expect(storedText({ text: 'short', truncated: true }, []).truncated).toBe(true);
  });

  it('caps a long text at 64 KiB of UTF-8 and marks it truncated', () => {
    const stored = storedText({ text: 'ü'.repeat(payloadCapBytes), truncated: false }, []);
    expect(utf8Bytes(stored.text)).toBe(payloadCapBytes);
    expect(stored.truncated).toBe(true);
  });

  it('redacts a secret that straddles the cap instead of storing half of it', () => {
    const card = '4111111111111111';
    const text = `${'x'.repeat(payloadCapBytes - 8)}${card}`;
    const stored = storedText({ text, truncated: false }, []);
    expect(stored.text).not.toContain('41111111');
    expect(stored.text.endsWith('[card]')).toBe(true);
    expect(stored.truncated).toBe(false);
  });

  it('redacts each JSON string, keeps the JSON valid and escapes intact', () => {
    const body = { model: 'tiny', messages: [{ role: 'user', content: '\njane@example.com' }] };
    const stored = storedJson(body, []);
    expect(JSON.parse(stored.text)).toEqual({
      model: 'tiny',
      messages: [{ role: 'user', content: '\n[email]' }],
    });
    expect(stored.truncated).toBe(false);
  });

  it('caps a huge JSON body and blanks strings wholly past the cap without redacting them', () => {
    const body = {
      messages: [{ content: 'a'.repeat(payloadCapBytes * 2) }, { content: 'jane@example.com' }],
    };
    const stored = storedJson(body, []);
    expect(utf8Bytes(stored.text)).toBeLessThanOrEqual(payloadCapBytes);
    expect(stored.text).not.toContain('jane');
    expect(stored.truncated).toBe(true);
  });
});

describe('createTextCapture', () => {
  const chunk = (index: number, piece: Record<string, unknown>) => ({
    choices: [{ index, ...piece }],
  });

  it('joins content deltas and completion text per choice, in index order', () => {
    const capture = createTextCapture(100);
    capture.add(chunk(1, { delta: { content: 'B1' } }));
    capture.add(chunk(0, { delta: { content: 'A1' } }));
    capture.add(chunk(0, { delta: { content: 'A2' } }));
    capture.add(chunk(1, { text: 'B2' }));
    capture.add(chunk(0, { delta: { tool_calls: [{ index: 0 }] } }));
    expect(capture.result()).toEqual({ text: 'A1A2\n\nB1B2', truncated: false });
  });

  it('stops at the limit and says so', () => {
    const capture = createTextCapture(5);
    capture.add(chunk(0, { delta: { content: 'abc' } }));
    capture.add(chunk(0, { delta: { content: 'def' } }));
    capture.add(chunk(0, { delta: { content: 'ghi' } }));
    expect(capture.result()).toEqual({ text: 'abcde', truncated: true });
  });
});

describe('buildPayloadRow', () => {
  const draft = (extra: Partial<UsageDraft>): UsageDraft => ({
    requestId: 'req_1',
    startedAtMs: 1_000,
    endpoint: 'chat/completions',
    stream: false,
    promptChars: 0,
    attempts: [],
    tenantId: 't1',
    keyId: 'k1',
    ...extra,
  });
  const options = { retentionMs: 500, secrets: ['pool-secret-value'] };

  it.each([
    ['a key that did not opt in', draft({})],
    ['a request rejected before auth', draft({ payload: { request: {} }, keyId: undefined })],
  ])('stores nothing for %s', (_case, d) => {
    expect(buildPayloadRow(d, undefined, options)).toBeUndefined();
  });

  it('stores the redacted request and JSON answer with its expiry', () => {
    const row = buildPayloadRow(
      draft({ payload: { request: { q: 'pool-secret-value' }, response: { a: 'a@b.io' } } }),
      undefined,
      options,
    );
    expect(row).toEqual({
      requestId: 'req_1',
      tenantId: 't1',
      keyId: 'k1',
      createdAtMs: 1_000,
      expiresAtMs: 1_500,
      request: '{"q":"[credential]"}',
      response: '{"a":"[email]"}',
      truncated: false,
    });
  });

  it("takes a stream's answer from the relay and an empty one when the engine gave none", () => {
    const relay = {
      end: 'done' as const,
      usage: undefined,
      contentChunks: 1,
      firstTokenAtMs: 1,
      text: { text: 'x'.repeat(captureMaxChars), truncated: true },
    };
    const streamed = buildPayloadRow(draft({ payload: { request: {} } }), relay, options);
    expect(streamed).toMatchObject({ request: '{}', truncated: true });
    expect(streamed?.response).toHaveLength(payloadCapBytes);
    const failed = buildPayloadRow(draft({ payload: { request: {} } }), undefined, options);
    expect(failed).toMatchObject({ response: '', truncated: false });
  });
});
