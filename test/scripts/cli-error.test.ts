import { describe, expect, it } from 'vitest';
import { oneLineError } from '../../scripts/lib/cli-error';

describe('oneLineError', () => {
  it.each([
    ['a one-line error', new Error('D1: no such table: api_keys'), 'D1: no such table: api_keys'],
    [
      "wrangler's [ERROR] line",
      new Error(
        "/bin/wrangler d1 execute DB --command SELECT 'x'; exited 1\n\n✘ [ERROR] Not logged in.\n\nmore",
      ),
      'Not logged in.',
    ],
    [
      "wrangler's last line when it names no error",
      new Error('/bin/wrangler d1 execute DB exited 1\nsomething\nwent wrong\n'),
      'wrangler exited 1: went wrong',
    ],
    ['a thrown string', 'plain failure', 'plain failure'],
  ])('reduces %s to one line', (_case, error, expected) => {
    expect(oneLineError(error)).toBe(expected);
  });
});
