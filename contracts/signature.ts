/**
 * HMAC-SHA-256 signatures shared by the edge and the origin, on WebCrypto so the same code runs
 * in workerd and in Node. Verification goes through `crypto.subtle.verify`, which compares in
 * constant time, so no hand-written comparison is needed. `verify` takes another `MacVerifier`
 * for the same message: the sidecar's node:crypto one (origin/sidecar/node-hmac.ts).
 *
 * Every signed message starts with its purpose, so a heartbeat signature can never be replayed as
 * an edge→origin credential or the other way round.
 */

import { digestFromHex, toHex } from './hex';

export const timestampHeader = 'x-switchyard-timestamp';
export const signatureHeader = 'x-switchyard-signature';

/** Signed messages older or newer than this are rejected (replay window). */
export const signatureWindowMs = 5_000;

export type SignaturePurpose = 'heartbeat' | 'origin-request' | 'admin-session';

const encoder = new TextEncoder();

// Spelled this way because Node's types have no global `CryptoKey`.
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/**
 * Imported keys by secret. A process holds one or two secrets, so this stays tiny; it saves an
 * importKey per request. Only resolved keys are kept (no promises shared across requests).
 */
const keys = new Map<string, HmacKey>();

async function importKey(secret: string): Promise<HmacKey> {
  const cached = keys.get(secret);
  if (cached !== undefined) return cached;
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  if (keys.size >= 8) keys.clear();
  keys.set(secret, key);
  return key;
}

/** The text every signature is an HMAC of: `<purpose>.<timestampMs>.<payload>`. */
export function signedText(
  purpose: SignaturePurpose,
  timestampMs: number,
  payload: string,
): string {
  return `${purpose}.${timestampMs}.${payload}`;
}

function message(purpose: SignaturePurpose, timestampMs: number, payload: string): Uint8Array {
  return encoder.encode(signedText(purpose, timestampMs, payload));
}

export interface SignedHeaders {
  [timestampHeader]: string;
  [signatureHeader]: string;
}

export async function sign(
  secret: string,
  purpose: SignaturePurpose,
  payload: string,
  nowMs: number,
): Promise<SignedHeaders> {
  return {
    [timestampHeader]: String(nowMs),
    [signatureHeader]: await signMessage(secret, purpose, nowMs, payload),
  };
}

/** The hex HMAC of `<purpose>.<timestampMs>.<payload>`; the building block of every signature. */
export async function signMessage(
  secret: string,
  purpose: SignaturePurpose,
  timestampMs: number,
  payload: string,
): Promise<string> {
  const key = await importKey(secret);
  return toHex(await crypto.subtle.sign('HMAC', key, message(purpose, timestampMs, payload)));
}

/** Checks a `signMessage` result; `verifyMessage` is the WebCrypto one. */
export type MacVerifier = (
  secret: string,
  purpose: SignaturePurpose,
  timestampMs: number,
  payload: string,
  macHex: string,
) => Promise<boolean> | boolean;

/** Checks a `signMessage` result in constant time; anything but 64 lowercase hex is invalid. */
export async function verifyMessage(
  secret: string,
  purpose: SignaturePurpose,
  timestampMs: number,
  payload: string,
  macHex: string,
): Promise<boolean> {
  const mac = digestFromHex(macHex);
  if (!mac) return false;
  const key = await importKey(secret);
  return crypto.subtle.verify('HMAC', key, mac, message(purpose, timestampMs, payload));
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing' | 'expired' | 'invalid' };

export async function verify(
  secret: string,
  purpose: SignaturePurpose,
  payload: string,
  headers: { timestamp: string | undefined | null; signature: string | undefined | null },
  nowMs: number,
  verifyMac: MacVerifier = verifyMessage,
): Promise<VerifyResult> {
  if (!headers.timestamp || !headers.signature) return { ok: false, reason: 'missing' };
  const timestampMs = Number(headers.timestamp);
  if (!Number.isSafeInteger(timestampMs)) return { ok: false, reason: 'invalid' };
  if (Math.abs(nowMs - timestampMs) > signatureWindowMs) return { ok: false, reason: 'expired' };
  const valid = await verifyMac(secret, purpose, timestampMs, payload, headers.signature);
  return valid ? { ok: true } : { ok: false, reason: 'invalid' };
}

/** Header carrying the gateway's request id to the origin (part of the signed payload). */
export const requestIdHeader = 'x-request-id';

/** What the edge signs when it calls an origin: binds the credential to one request. */
export function originRequestPayload(method: string, path: string, requestId: string): string {
  return `${method.toUpperCase()} ${path} ${requestId}`;
}
