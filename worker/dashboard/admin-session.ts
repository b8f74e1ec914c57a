import { toHex } from '../../contracts/hex';
import { signMessage, verifyMessage } from '../../contracts/signature';

/**
 * The dashboard's login session: a value the browser keeps in an HttpOnly cookie instead of the
 * admin token itself. It is `<expiresMs>.<nonce>.<mac>`, where mac = HMAC-SHA-256(ADMIN_TOKEN,
 * `admin-session.<expiresMs>.<nonce>`). Nothing is stored at the edge: rotating ADMIN_TOKEN ends
 * every session at once, and a session ends on its own after `sessionTtlMs`.
 */

export const sessionCookieName = 'switchyard_admin';
/** A working day; a longer one would keep a forgotten browser logged in overnight. */
export const sessionTtlMs = 8 * 60 * 60 * 1000;

export async function issueSession(
  adminToken: string,
  nowMs: number,
): Promise<{ value: string; expiresMs: number }> {
  const expiresMs = nowMs + sessionTtlMs;
  const nonce = toHex(crypto.getRandomValues(new Uint8Array(16)));
  const mac = await signMessage(adminToken, 'admin-session', expiresMs, nonce);
  return { value: `${expiresMs}.${nonce}.${mac}`, expiresMs };
}

/** True for an unexpired session signed with this admin token; false for anything else. */
export async function verifySession(
  adminToken: string,
  value: string | undefined,
  nowMs: number,
): Promise<boolean> {
  const parts = /^(\d{1,16})\.([0-9a-f]{32})\.([0-9a-f]{64})$/.exec(value ?? '');
  if (parts === null) return false;
  const expiresMs = Number(parts[1]);
  // A session from the future is forged or from a clock gone wrong; neither is trusted.
  if (!(expiresMs > nowMs) || expiresMs > nowMs + sessionTtlMs) return false;
  return verifyMessage(adminToken, 'admin-session', expiresMs, parts[2]!, parts[3]!);
}
