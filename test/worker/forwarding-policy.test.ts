import { describe, expect, it } from 'vitest';
import { cacheSalt } from '../../worker/core/cache-salt';
import { nextReadWait } from '../../worker/core/forwarding-policy';

const timeouts = { firstByteTimeoutMs: 1000, idleTimeoutMs: 300, keepaliveIntervalMs: 250 };

describe('nextReadWait', () => {
  it.each([
    // Before the first event: keepalive ticks while the first-byte budget lasts.
    [false, 0, 250, 'keepalive'],
    [false, 500, 250, 'keepalive'],
    [false, 749, 250, 'keepalive'],
    // The last stretch ends in the first-byte timeout, counting time already waited.
    [false, 750, 250, 'first_byte_timeout'],
    [false, 900, 100, 'first_byte_timeout'],
    [false, 1000, 0, 'first_byte_timeout'],
    [false, 5000, 0, 'first_byte_timeout'],
    // After it: only the idle timer, afresh for each read, whatever was waited before.
    [true, 0, 300, 'idle_timeout'],
    [true, 5000, 300, 'idle_timeout'],
  ] as const)(
    'sawEvent=%s after %ims waiting waits %ims for %s',
    (sawEvent, waitedForFirstMs, waitMs, expiry) => {
      expect(nextReadWait(timeouts, { sawEvent, waitedForFirstMs })).toEqual({ waitMs, expiry });
    },
  );

  it.each([
    [{ ...timeouts, keepaliveIntervalMs: 1000 }, 1000, 'first_byte_timeout'],
    [{ ...timeouts, keepaliveIntervalMs: 5000 }, 1000, 'first_byte_timeout'],
  ] as const)('with a keepalive no shorter than the budget waits once', (t, waitMs, expiry) => {
    expect(nextReadWait(t, { sawEvent: false, waitedForFirstMs: 0 })).toEqual({ waitMs, expiry });
  });

  it('adds keepalive waits up to exactly the first-byte budget', () => {
    let waitedForFirstMs = 0;
    const expiries: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const wait = nextReadWait(timeouts, { sawEvent: false, waitedForFirstMs });
      expiries.push(wait.expiry);
      waitedForFirstMs += wait.waitMs;
      if (wait.expiry === 'first_byte_timeout') break;
    }
    expect(expiries).toEqual(['keepalive', 'keepalive', 'keepalive', 'first_byte_timeout']);
    expect(waitedForFirstMs).toBe(timeouts.firstByteTimeoutMs);
  });
});

describe('cacheSalt', () => {
  it('is the same for the same tenant every time', async () => {
    expect(await cacheSalt('tenant-a')).toBe(await cacheSalt('tenant-a'));
  });

  it.each([
    ['tenant-a', 'tenant-b'],
    ['tenant-a', 'tenant-A'],
    ['1', '10'],
    ['', ' '],
  ])('differs between tenants %j and %j', async (a, b) => {
    expect(await cacheSalt(a)).not.toBe(await cacheSalt(b));
  });

  it('is 32 hex characters that do not contain the tenant id', async () => {
    const salt = await cacheSalt('tenant-visible');
    expect(salt).toMatch(/^[0-9a-f]{32}$/);
    expect(salt).not.toContain('tenant');
  });
});
