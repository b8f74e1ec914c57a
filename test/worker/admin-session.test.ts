import { describe, expect, it } from 'vitest';
import { issueSession, sessionTtlMs, verifySession } from '../../worker/dashboard/admin-session';
import { poolView } from '../../worker/dashboard/pool-view';
import { healthyState } from '../../worker/core/health-state';
import { fixedNowMs, replica } from './support/harness';

const token = 'session-test-admin-token-0123';

describe('verifySession', () => {
  it('accepts what issueSession made, until it expires', async () => {
    const { value, expiresMs } = await issueSession(token, fixedNowMs);
    expect(expiresMs).toBe(fixedNowMs + sessionTtlMs);
    expect(value).not.toContain(token);
    expect(await verifySession(token, value, fixedNowMs)).toBe(true);
    expect(await verifySession(token, value, expiresMs - 1)).toBe(true);
    expect(await verifySession(token, value, expiresMs)).toBe(false);
  });

  it('gives every session its own value', async () => {
    const [a, b] = await Promise.all([
      issueSession(token, fixedNowMs),
      issueSession(token, fixedNowMs),
    ]);
    expect(a.value).not.toBe(b.value);
  });

  it.each([
    ['no cookie', () => undefined],
    ['an empty value', () => ''],
    ['the token itself', () => token],
    ['three parts of the wrong shape', () => '1.2.3'],
    [
      'another expiry than was signed',
      (v: string) => v.replace(/^\d+/, (ms) => String(Number(ms) - 1)),
    ],
    ['another nonce', (v: string) => v.replace(/\.[0-9a-f]{32}\./, `.${'0'.repeat(32)}.`)],
  ])('refuses %s', async (_name, mutate: (value: string) => string | undefined) => {
    const { value } = await issueSession(token, fixedNowMs);
    expect(await verifySession(token, mutate(value), fixedNowMs)).toBe(false);
  });

  it('refuses a session signed with another token (ADMIN_TOKEN rotated)', async () => {
    const { value } = await issueSession(`${token}-old`, fixedNowMs);
    expect(await verifySession(token, value, fixedNowMs)).toBe(false);
  });

  it('refuses a session that would outlive the TTL, as a clock gone back would make', async () => {
    const { value } = await issueSession(token, fixedNowMs + 60_000);
    expect(await verifySession(token, value, fixedNowMs)).toBe(false);
  });
});

describe('poolView', () => {
  it('shows an ejected replica as ejected and counts it out of the ready ones', () => {
    const ejected = {
      ...healthyState,
      ejections: 2,
      ejected: true,
      ejectedUntilMs: fixedNowMs + 5_000,
    };
    const lapsed = { ...healthyState, ejections: 1, ejected: true, ejectedUntilMs: fixedNowMs - 1 };
    const states: Record<string, { state: typeof healthyState; admits: boolean }> = {
      r1: { state: ejected, admits: false },
      r2: { state: lapsed, admits: true },
    };
    const view = poolView(
      [replica({ replicaId: 'r2' }), replica({ replicaId: 'r1' })],
      fixedNowMs,
      5_000,
      (id) => states[id]!,
    );
    expect(view.replicas.map((r) => [r.replicaId, r.ejections, r.ejected])).toEqual([
      ['r1', 2, true],
      ['r2', 1, false],
    ]);
    expect(view.health).toEqual({
      status: 'degraded',
      replicas: { ready: 1, ejected: 1, live: 2, known: 2 },
    });
  });
});
