import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeOrigin } from './support/fake-origin';
import { createKey, testApp } from './support/harness';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('API key comparison (RELIABILITY A1)', () => {
  it('compares the stored and presented digests with timingSafeEqual on two 32-byte buffers', async () => {
    const compare = vi.spyOn(crypto.subtle, 'timingSafeEqual');
    const { send } = testApp({ originFetch: createFakeOrigin().fetch });
    const { key } = await createKey();

    const { response } = await send('/v1/models', { headers: { authorization: `Bearer ${key}` } });

    expect(response.status).toBe(200);
    expect(compare).toHaveBeenCalledTimes(1);
    const [a, b] = compare.mock.calls[0] ?? [];
    expect([byteLength(a), byteLength(b)]).toEqual([32, 32]);
  });

  it('never compares when the presented key is not stored', async () => {
    const compare = vi.spyOn(crypto.subtle, 'timingSafeEqual');
    const { send } = testApp({ originFetch: createFakeOrigin().fetch });

    const { response } = await send('/v1/models', {
      headers: { authorization: `Bearer sk-sy-${'B'.repeat(43)}` },
    });

    expect(response.status).toBe(401);
    expect(compare).not.toHaveBeenCalled();
  });
});

function byteLength(value: unknown): number {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value) ? value.byteLength : -1;
}
