import { describe, expect, it } from 'vitest';
import { formatLine } from '../../scripts/lib/log-format';

describe('formatLine', () => {
  it.each([
    [
      'plain text',
      'edge',
      'Ready on http://127.0.0.1:8787',
      '[edge]       Ready on http://127.0.0.1:8787',
    ],
    ['a blank line', 'edge', '   ', undefined],
    ['a banner rule', 'edge', '──────────', undefined],
    [
      'a heartbeat request',
      'edge',
      '[wrangler:info] POST /internal/pool/heartbeat 204 No Content (3ms)',
      undefined,
    ],
    [
      'a sidecar record',
      'replica-1',
      '{"ts":"t","level":"info","msg":"replica ready","replicaId":"r","from":"warming","elapsedMs":12}',
      '[replica-1]  replica ready  from=warming elapsedMs=12',
    ],
    [
      'a warning',
      'replica-1',
      '{"ts":"t","level":"warn","msg":"edge unreachable"}',
      '[replica-1]  WARN edge unreachable',
    ],
    [
      'an engine line carrying simulator JSON',
      'replica-1',
      '{"ts":"t","level":"info","msg":"{\\"level\\":\\"info\\",\\"msg\\":\\"listening\\",\\"port\\":8201}","source":"engine","stream":"stdout"}',
      '[replica-1]  engine: listening  port=8201',
    ],
  ])('formats %s', (_name, process, line, expected) => {
    expect(formatLine(process, line)).toBe(expected);
  });
});
