import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sign } from '../../contracts/signature';
import type { Logger } from '../../worker/ports';
import { createFakeOrigin, defaultScript, type OriginScript } from './support/fake-origin';
import { createKey, fixedNowMs, jsonRequest, testApp } from './support/harness';

/**
 * RELIABILITY O1: seed unique canary secrets, run requests that fail in every way we know, and
 * search every sink — log lines, response bodies and headers, every D1 table — for them.
 */
const canaries = {
  poolSecret: 'canary-pool-secret-7c1f0e',
  adminToken: 'canary-admin-token-9b2d44',
  providerKey: 'sk-canary-provider-3e8a51',
  cookie: 'canary-session-cookie-d07a9c',
};

describe('secrets never reach a log line, a usage row or an error body', () => {
  it('holds across the fault matrix', async () => {
    const logs: string[] = [];
    const record = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
      logs.push(JSON.stringify({ level, msg, ...fields }));
    const logger: Logger = { info: record('info'), warn: record('warn'), error: record('error') };
    const { key } = await createKey({ requestsPerMinute: 50 });
    const sinks: string[] = [];
    const clientHeaders = { 'x-api-key': canaries.providerKey, cookie: `sid=${canaries.cookie}` };
    const chat = { model: 'tiny', messages: [{ role: 'user', content: 'hi' }] };
    const scripts: OriginScript[] = [
      defaultScript,
      { ...defaultScript, cutAfterTokens: 2 },
      { ...defaultScript, errorAfterTokens: 1 },
      { ...defaultScript, failWith: { status: 400, body: '{"error":{"message":"bad prompt"}}' } },
      { ...defaultScript, failWith: { status: 500, body: 'Traceback: internal' } },
    ];
    const origins = [
      ...scripts.map((script) => createFakeOrigin(script).fetch),
      () => Promise.reject(new TypeError(`connect refused ${canaries.poolSecret}`)),
    ];

    for (const originFetch of origins) {
      const { send } = testApp({
        originFetch,
        logger,
        poolSecret: canaries.poolSecret,
        adminToken: canaries.adminToken,
      });
      const requests: [string, RequestInit][] = [
        ['/v1/chat/completions', jsonRequest(key, { ...chat, stream: true }, clientHeaders)],
        ['/v1/chat/completions', jsonRequest(key, chat, clientHeaders)],
        ['/v1/chat/completions', jsonRequest(`sk-sy-${canaries.providerKey}`, chat)],
        [
          '/v1/chat/completions',
          jsonRequest(key, `{"api_key":"${canaries.providerKey}"`, clientHeaders),
        ],
        [
          '/v1/chat/completions',
          jsonRequest(key, { ...chat, api_key: canaries.providerKey }, clientHeaders),
        ],
        ['/admin/reports/usage', { headers: { authorization: `Bearer ${canaries.adminToken}x` } }],
        ['/admin/reports/usage', { headers: { authorization: `Bearer ${canaries.adminToken}` } }],
      ];
      for (const [path, init] of requests) {
        const { response, text } = await send(path, init);
        sinks.push(text, JSON.stringify([...response.headers]));
      }
      const body = JSON.stringify({ replicaId: 'x' });
      const { text } = await send('/internal/pool/heartbeat', {
        method: 'POST',
        body,
        headers: { ...(await sign(`${canaries.poolSecret}-wrong`, 'heartbeat', body, fixedNowMs)) },
      });
      sinks.push(text);
    }

    const { results: tables } = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
    ).all<{ name: string }>();
    for (const { name } of tables) {
      const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
      sinks.push(JSON.stringify(results));
    }
    const everything = [...sinks, ...logs].join('\n');
    expect(logs.length).toBeGreaterThan(0);
    // The sinks really hold the traffic above (usage rows were dumped), so an absence means something.
    expect(everything).toContain('chat/completions');
    for (const canary of [...Object.values(canaries), key]) {
      expect(everything.includes(canary), `found ${canary}`).toBe(false);
    }
  });
});
