import { describe, expect, it } from 'vitest';
import {
  sign,
  signatureWindowMs,
  verify,
  verifyMessage,
  type MacVerifier,
  type SignaturePurpose,
} from '../../contracts/signature';
import { verifyMessageNode } from '../../origin/sidecar/node-hmac';

const secret = 'contract-test-secret';
const nowMs = 1_800_000_000_000;

async function check(
  signed: { purpose: SignaturePurpose; payload: string; atMs: number; secret?: string },
  checked: { purpose: SignaturePurpose; payload: string },
  verifyMac: MacVerifier,
) {
  const headers = await sign(signed.secret ?? secret, signed.purpose, signed.payload, signed.atMs);
  return verify(
    secret,
    checked.purpose,
    checked.payload,
    { timestamp: headers['x-switchyard-timestamp'], signature: headers['x-switchyard-signature'] },
    nowMs,
    verifyMac,
  );
}

// The edge verifies with WebCrypto, the sidecar with node:crypto: both must agree on every case.
describe.each([
  ['WebCrypto (edge)', verifyMessage],
  ['node:crypto (sidecar)', verifyMessageNode],
] as const)(
  'HMAC signatures shared by edge and origin, verified with %s',
  (_verifier, verifyMac) => {
    it.each([
      [
        'a fresh signature',
        { purpose: 'heartbeat', payload: 'b', atMs: nowMs },
        { purpose: 'heartbeat', payload: 'b' },
        { ok: true },
      ],
      [
        'the edge of the window',
        { purpose: 'heartbeat', payload: 'b', atMs: nowMs - signatureWindowMs },
        { purpose: 'heartbeat', payload: 'b' },
        { ok: true },
      ],
      [
        'just past the window',
        { purpose: 'heartbeat', payload: 'b', atMs: nowMs - signatureWindowMs - 1 },
        { purpose: 'heartbeat', payload: 'b' },
        { ok: false, reason: 'expired' },
      ],
      [
        'a clock far ahead',
        { purpose: 'heartbeat', payload: 'b', atMs: nowMs + 60_000 },
        { purpose: 'heartbeat', payload: 'b' },
        { ok: false, reason: 'expired' },
      ],
      [
        'another payload',
        { purpose: 'heartbeat', payload: 'b', atMs: nowMs },
        { purpose: 'heartbeat', payload: 'c' },
        { ok: false, reason: 'invalid' },
      ],
      [
        'another purpose',
        { purpose: 'heartbeat', payload: 'b', atMs: nowMs },
        { purpose: 'origin-request', payload: 'b' },
        { ok: false, reason: 'invalid' },
      ],
      [
        'another secret',
        { purpose: 'heartbeat', payload: 'b', atMs: nowMs, secret: 'other-secret-value' },
        { purpose: 'heartbeat', payload: 'b' },
        { ok: false, reason: 'invalid' },
      ],
    ] as const)('verifies %s as %j', async (_name, signed, checked, expected) => {
      expect(await check(signed, checked, verifyMac)).toEqual(expected);
    });

    it.each([
      [{ timestamp: undefined, signature: 'a'.repeat(64) }, 'missing'],
      [{ timestamp: String(nowMs), signature: undefined }, 'missing'],
      [{ timestamp: 'soon', signature: 'a'.repeat(64) }, 'invalid'],
      [{ timestamp: String(nowMs), signature: 'zz' }, 'invalid'],
    ])('rejects malformed headers %j as %s', async (headers, reason) => {
      expect(await verify(secret, 'heartbeat', 'b', headers, nowMs, verifyMac)).toEqual({
        ok: false,
        reason,
      });
    });

    it('accepts only the lowercase hex of the right MAC', async () => {
      const headers = await sign(secret, 'heartbeat', 'b', nowMs);
      const mac = headers['x-switchyard-signature'];
      const flip = (digit: string) => (digit === '0' ? '1' : '0');
      const flippedFirst = flip(mac[0]!) + mac.slice(1);
      const flippedLast = mac.slice(0, -1) + flip(mac.at(-1)!);
      const checkMac = (signature: string) =>
        verify(secret, 'heartbeat', 'b', { timestamp: String(nowMs), signature }, nowMs, verifyMac);
      expect(await checkMac(mac)).toEqual({ ok: true });
      expect(await checkMac(mac.toUpperCase())).toEqual({ ok: false, reason: 'invalid' });
      expect(await checkMac(flippedFirst)).toEqual({ ok: false, reason: 'invalid' });
      expect(await checkMac(flippedLast)).toEqual({ ok: false, reason: 'invalid' });
      expect(await checkMac(`${mac}00`)).toEqual({ ok: false, reason: 'invalid' });
    });

    it('binds the timestamp: a signature moved to another timestamp in the window is invalid', async () => {
      const headers = await sign(secret, 'heartbeat', 'b', nowMs - 1000);
      const signature = headers['x-switchyard-signature'];
      const at = (timestampMs: number) =>
        verify(
          secret,
          'heartbeat',
          'b',
          { timestamp: String(timestampMs), signature },
          nowMs,
          verifyMac,
        );
      expect(await at(nowMs - 1000)).toEqual({ ok: true });
      expect(await at(nowMs - 999)).toEqual({ ok: false, reason: 'invalid' });
      expect(await at(nowMs)).toEqual({ ok: false, reason: 'invalid' });
    });
  },
);
