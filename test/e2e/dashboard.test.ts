import { mkdirSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { d1Execute, repoRoot } from '../../scripts/lib/wrangler';
import { e2eModel } from './stack-config';

/**
 * The admin dashboard in a real browser (Debian's Chromium driven by playwright-core) against the
 * running stack: log in, see its replicas, create and revoke a key, see the charts draw a short
 * generated load. Screenshots go to test/artifacts/ (git-ignored). Chromium is never downloaded:
 * `.ci/run` installs Debian's package, and this test fails, not skips, without it.
 */

const edgeUrl = inject('edgeUrl');
const adminToken = inject('adminToken');
const persistTo = inject('persistTo');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifacts = path.join(repoRoot, 'test/artifacts');
const tag = `e2e-dashboard-${Date.now()}`;
const loadRequests = 8;

let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

const shot = (name: string) =>
  page.screenshot({ path: path.join(artifacts, `dashboard-${name}.png`), fullPage: true });

async function adminGet(pathname: string, headers: Record<string, string> = {}) {
  return fetch(`${edgeUrl}${pathname}`, { headers });
}

/** A short load: streamed and plain answers, one unknown model, and feedback on one answer. */
async function generateLoad(): Promise<void> {
  const client = new OpenAI({
    baseURL: `${edgeUrl}/v1`,
    apiKey: inject('apiKey'),
    maxRetries: 0,
    defaultHeaders: { 'x-switchyard-tag': tag },
  });
  const messages = [{ role: 'user' as const, content: 'Draw me a chart.' }];
  let requestId: string | null = null;
  for (let i = 0; i < loadRequests / 2; i++) {
    const { response } = await client.chat.completions
      .create({ model: e2eModel, messages, max_tokens: 6 })
      .withResponse();
    requestId ??= response.headers.get('x-request-id');
    const stream = await client.chat.completions.create({
      model: e2eModel,
      messages,
      max_tokens: 6,
      stream: true,
    });
    for await (const _chunk of stream) void _chunk;
  }
  await client.chat.completions.create({ model: 'no-such-model', messages }).catch(() => undefined);
  // What the API list price and the pool cost, so the money chart has both lines.
  await d1Execute(
    `INSERT OR REPLACE INTO model_prices VALUES ('${e2eModel}', 0.15, 0.6, 0);
     INSERT OR REPLACE INTO pools VALUES ('e2e-dashboard-pool', '${e2eModel}', 1, 2.5, 0);`,
    { remote: false, persistTo },
  );
  // Usage rows land about a second after each answer (queue batch); feedback needs its row.
  for (let tries = 0; ; tries++) {
    const feedback = await fetch(`${edgeUrl}/v1/feedback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${inject('apiKey')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ request_id: requestId, rating: -1, label: 'hallucination' }),
    });
    if (feedback.ok) break;
    if (tries > 20) throw new Error(`feedback answered ${feedback.status}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  await generateLoad();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    // Root in a container has no user namespace for Chromium's sandbox.
    args: ['--no-sandbox'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('dialog', (dialog) => void dialog.accept());
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('the admin dashboard in Chromium', () => {
  it('gives no data without a session: 401 for the data, the login form for the page', async () => {
    for (const pathname of ['/admin/pool', '/admin/keys', '/admin/reports/traffic?by=minute']) {
      const response = await adminGet(pathname);
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(text).not.toContain('e2e-1');
      expect(text).not.toContain('sk-sy-');
    }
    // The page's script and stylesheet come from Workers static assets, outside the Worker.
    const pageHtml = await (await adminGet('/admin')).text();
    const assets = [...pageHtml.matchAll(/\/admin\/assets\/[\w.]+/g)].map((m) => m[0]);
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      const response = await adminGet(asset);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/javascript|css/);
      expect(response.headers.get('cache-control')).toContain('immutable');
    }
    await page.goto(`${edgeUrl}/admin`);
    await page.locator('#login-form').waitFor({ state: 'visible' });
    expect(await page.locator('#dashboard').isHidden()).toBe(true);
    expect((await page.request.get(`${edgeUrl}/admin/pool`)).status()).toBe(401);
    await shot('login');
  });

  it('refuses a wrong token, then logs in with the admin token and shows the replicas', async () => {
    await page.fill('#token', 'not-the-admin-token-at-all');
    await page.click('#login-form button[type=submit]');
    await expect.poll(() => page.textContent('#login-error')).toContain('not the admin token');

    await page.fill('#token', adminToken);
    await page.click('#login-form button[type=submit]');
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    expect(page.url()).toBe(`${edgeUrl}/admin`);
    expect(page.url()).not.toContain(adminToken);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'switchyard_admin')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
      path: '/admin',
    });
    expect(JSON.stringify(cookies)).not.toContain(adminToken);

    const replicas = page.locator('#pool-rows tr');
    await expect
      .poll(() => replicas.allTextContents())
      .toEqual([
        expect.stringMatching(/^e2e-1sim-smallready/),
        expect.stringMatching(/^e2e-2sim-smallready/),
        expect.stringMatching(/^e2e-largesim-largeready/),
      ]);
    await expect.poll(() => page.textContent('#pool-summary')).toMatch(/^ok: 3 ready of 3 live/);
    // Live: the page keeps asking the pool without a reload.
    let polls = 0;
    page.on('request', (request) => {
      if (request.url().endsWith('/admin/pool')) polls++;
    });
    await expect.poll(() => polls, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await shot('pool');
  }, 60_000);

  it('creates a key whose secret is shown once and works, then revokes it', async () => {
    const name = `dash-${Date.now()}`;
    await page.fill('#key-tenant', 'dashboard-e2e');
    await page.fill('#key-name', name);
    await page.click('#key-form button[type=submit]');
    await page.locator('#secret-box').waitFor({ state: 'visible' });
    const secret = (await page.textContent('#secret-value')) ?? '';
    expect(secret).toMatch(/^sk-sy-/);
    const models = () =>
      fetch(`${edgeUrl}/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
    expect((await models()).status).toBe(200);
    await shot('key-created');

    await page.click('#secret-done');
    expect(await page.locator('#secret-box').isHidden()).toBe(true);
    expect(await page.content()).not.toContain(secret);

    const row = page.locator('#key-rows tr', { hasText: name });
    await row.locator('button[data-revoke]').click();
    await expect.poll(() => row.locator('td').nth(4).textContent()).toBe('revoked');
    expect((await models()).status).toBe(401);
    await shot('key-revoked');
  }, 60_000);

  it('draws the generated load in the traffic, latency, money and quality views', async () => {
    const points = (id: string) =>
      page
        .locator(`#${id}`)
        .getAttribute('data-points')
        .then((v) => Number(v ?? 0));
    // Reports refresh every 15 s; the range selector asks at once.
    await page.selectOption('#range', '21600000');
    await page.selectOption('#range', '3600000');
    for (const id of [
      'chart-requests',
      'chart-tokens',
      'chart-latency',
      'chart-ttft',
      'chart-tiers',
    ]) {
      await expect.poll(() => points(id), { timeout: 20_000 }).toBeGreaterThan(0);
      expect(await page.locator(`#${id} canvas`).count()).toBeGreaterThan(0);
    }
    await expect.poll(() => points('chart-money'), { timeout: 20_000 }).toBeGreaterThan(1);
    await expect.poll(() => points('chart-errors')).toBeGreaterThan(0);
    expect(await page.locator('#chart-latency [role=img]').getAttribute('aria-label')).toMatch(
      new RegExp(`^Latency p50 / p95 by model\\. Latest: ${e2eModel} p50 \\d+ ms`),
    );
    const legend = await page.locator('#chart-latency .u-legend').textContent();
    expect(legend).toContain(`${e2eModel} p95`);
    await expect.poll(() => page.textContent('#cost-rows')).toContain(e2eModel);
    await expect.poll(() => page.textContent('#quality-rows')).toContain(e2eModel);
    expect(await page.textContent('#quality-rows')).toMatch(/hallucination|%/);
    // No cache lookups happened, so that chart says what would fill it instead of a flat line.
    expect(await page.locator('#chart-cache .empty').textContent()).toMatch(/No cache lookups yet/);
    await shot('charts');
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused/.test(e))).toEqual([]);
  }, 60_000);

  it('logs out: the page shows the login form and the data answers 401 again', async () => {
    await page.click('#logout');
    await page.locator('#login-form').waitFor({ state: 'visible' });
    expect((await page.context().cookies()).some((c) => c.name === 'switchyard_admin')).toBe(false);
    expect((await page.request.get(`${edgeUrl}/admin/pool`)).status()).toBe(401);
    await page.reload();
    await page.locator('#login-form').waitFor({ state: 'visible' });
    expect(await page.locator('#dashboard').isHidden()).toBe(true);
  });
});
