import { describe, expect, it } from 'vitest';
import { redact } from '../../worker/logging/redact';

describe('redact', () => {
  it.each([
    [
      'a configured secret',
      'failed with pool-secret-value inside',
      'failed with [redacted] inside',
    ],
    ['an OpenAI-style key', 'key sk-proj-abcdefgh12345 was refused', 'key [redacted] was refused'],
    ['a gateway key', 'sk-sy-AAAAAAAAAAAAAAAAAAAA', '[redacted]'],
    ['a bearer token', 'Authorization: Bearer abc.def.ghi', 'Authorization: [redacted]'],
    [
      'URL user-info',
      'fetch https://user:hunter2@origin.test/v1',
      'fetch https://[redacted]@origin.test/v1',
    ],
    [
      'a credential query parameter',
      'GET /x?model=a&api_key=s3cr3t&n=1',
      'GET /x?model=a&api_key=[redacted]&n=1',
    ],
    ['nothing for a secret too short to match safely', 'the short answer', 'the short answer'],
  ])('removes %s', (_name, input, expected) => {
    expect(redact(input, ['pool-secret-value', 'short'])).toBe(expected);
  });
});
