import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { describe, expect, inject, it } from 'vitest';
import { d1Execute, repoRoot } from '../../scripts/lib/wrangler';
import { e2eLargeModel, e2eModel } from './stack-config';

/**
 * `model: "auto"` through the real stack (issue 6): the official `openai` client → wrangler dev →
 * the router → the small pool (two sidecars) or the large one (one sidecar with the 70B profile),
 * and the headers and the D1 row say which tier and why.
 */

const edgeUrl = inject('edgeUrl');
const client = new OpenAI({ baseURL: `${edgeUrl}/v1`, apiKey: inject('apiKey'), maxRetries: 0 });

const easy = 'Good morning! What is the capital of Italy?';
const hard =
  'Our checkout service deadlocks under load: one path locks the orders table then the payments table, another locks payments then orders inside a retry loop. Analyse the root cause step by step, compare two fixes and their trade-offs, and write the corrected transaction code in TypeScript.';

interface RouteRow {
  request_id: string;
  requested_model: string;
  served_model: string;
  replica_id: string;
  route_tier: string;
  route_score: number;
}

async function routeRow(requestId: string): Promise<RouteRow | undefined> {
  const id = requestId.replace(/[^A-Za-z0-9_]/g, '');
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [rows = []] = await d1Execute<RouteRow>(
      `SELECT request_id, requested_model, served_model, replica_id, route_tier, route_score FROM usage_events WHERE request_id = '${id}'`,
      { remote: false, persistTo: inject('persistTo') },
    );
    if (rows[0] !== undefined || Date.now() > deadline) return rows[0];
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function askAuto(content: string, stream: boolean) {
  const request = { model: 'auto', messages: [{ role: 'user' as const, content }], max_tokens: 16 };
  if (stream) {
    const { data, response } = await client.chat.completions
      .create({ ...request, stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of data) text += chunk.choices[0]?.delta?.content ?? '';
    return { response, text };
  }
  const { data, response } = await client.chat.completions.create(request).withResponse();
  return { response, text: data.choices[0]?.message.content ?? '' };
}

function parseRoute(header: string | null) {
  const match = /^tier=(\w+); score=([\d.]+); threshold=([\d.]+)$/.exec(header ?? '');
  expect(match, `x-switchyard-route: ${header}`).not.toBeNull();
  return { tier: match![1], score: Number(match![2]), threshold: Number(match![3]) };
}

describe('model "auto" through the real stack', () => {
  it('answers an easy prompt from the small pool', async () => {
    const { response, text } = await askAuto(easy, false);
    expect(text.length).toBeGreaterThan(0);
    expect(response.headers.get('x-switchyard-model')).toBe(e2eModel);
    expect(response.headers.get('x-switchyard-replica')).toMatch(/^e2e-[12]$/);
    const route = parseRoute(response.headers.get('x-switchyard-route'));
    expect(route.tier).toBe('small');
    const row = await routeRow(response.headers.get('x-request-id') ?? '');
    expect(row).toMatchObject({
      requested_model: 'auto',
      served_model: e2eModel,
      replica_id: response.headers.get('x-switchyard-replica'),
      route_tier: 'small',
      route_score: route.score,
    });
  }, 60_000);

  it('streams a hard prompt from the large pool', async () => {
    const { response, text } = await askAuto(hard, true);
    expect(text.length).toBeGreaterThan(0);
    expect(response.headers.get('x-switchyard-model')).toBe(e2eLargeModel);
    expect(response.headers.get('x-switchyard-replica')).toBe('e2e-large');
    const route = parseRoute(response.headers.get('x-switchyard-route'));
    expect(route.tier).toBe('large');
    expect(route.score).toBeGreaterThanOrEqual(route.threshold);
    const row = await routeRow(response.headers.get('x-request-id') ?? '');
    expect(row).toMatchObject({
      requested_model: 'auto',
      served_model: e2eLargeModel,
      replica_id: 'e2e-large',
      route_tier: 'large',
      route_score: route.score,
    });
  }, 60_000);

  it('shows in the routing report what the routed requests saved against the large model', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        ...['--import', 'tsx', path.join(repoRoot, 'scripts/report.ts'), 'routing', '--json'],
        ...['--persist-to', inject('persistTo')],
      ],
      { cwd: repoRoot },
    );
    const rows = (JSON.parse(stdout) as { rows: Record<string, unknown>[] }).rows;
    const small = rows.find((r) => r.group === 'auto' && r.tier === 'small');
    // The local stack seeds prices for both simulated models, so the saving is a number.
    expect(small).toMatchObject({ served_models: e2eModel, saved_usd: expect.any(Number) });
    expect(Number(small?.saved_usd)).toBeGreaterThan(0);
    expect(rows.find((r) => r.group === 'auto' && r.tier === 'large')).toMatchObject({
      served_models: e2eLargeModel,
    });
  }, 60_000);

  it('gives a key limited to auto the openai client’s PermissionDeniedError for the large model', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        ...['--import', 'tsx', path.join(repoRoot, 'scripts/keys.ts'), 'create'],
        ...['--tenant', 'e2e-routing', '--name', 'auto-only', '--models', 'auto', '--json'],
        ...['--persist-to', inject('persistTo')],
      ],
      { cwd: repoRoot },
    );
    const limited = new OpenAI({
      baseURL: `${edgeUrl}/v1`,
      apiKey: (JSON.parse(stdout) as { secret: string }).secret,
      maxRetries: 0,
    });
    const messages = [{ role: 'user' as const, content: hard }];
    const refused = await limited.chat.completions
      .create({ model: e2eLargeModel, messages, max_tokens: 4 })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(refused).toMatchObject({ status: 403, code: 'model_not_allowed' });
    // The same key reaches the large model through the router.
    const { response } = await limited.chat.completions
      .create({ model: 'auto', messages, max_tokens: 4 })
      .withResponse();
    expect(response.headers.get('x-switchyard-model')).toBe(e2eLargeModel);
  }, 60_000);

  it('lists auto and the aliases next to the models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['auto', 'fast', 'smart', e2eModel, e2eLargeModel]));
  });
});
