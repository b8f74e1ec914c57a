import { describe, expect, it } from 'vitest';
import {
  parseWarmupFile,
  runWarmupPlan,
  warmupGenerations,
} from '../../../origin/sidecar/warmup-plan';
import { createFakeEngine } from './support/fake-engine';
import { captureLogs } from './support/test-logger';

const systemPrompt = { role: 'system', content: 'You are the support bot of Example Corp.' };

describe('parseWarmupFile', () => {
  it('reads chat and completion prompts, with or without a cache salt', () => {
    const text = JSON.stringify({
      prompts: [
        { messages: [systemPrompt, { role: 'user', content: 'Hi' }], cache_salt: 'tenant-a' },
        { prompt: 'def main():' },
      ],
    });
    expect(parseWarmupFile(text)).toMatchObject({ ok: true, file: { prompts: [{}, {}] } });
  });

  it.each([
    ['not JSON', '{prompts:', 'not JSON'],
    ['no prompts list', '{}', 'prompts'],
    ['a prompt of neither kind', '{"prompts":[{"text":"x"}]}', 'prompts.0'],
    ['an empty message list', '{"prompts":[{"messages":[]}]}', 'prompts.0'],
  ])('rejects %s', (_name, text, where) => {
    const parsed = parseWarmupFile(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(where);
  });
});

describe('warmupGenerations', () => {
  it('asks for one greedy token from the served model, keeping the cache salt', () => {
    const parsed = parseWarmupFile(
      JSON.stringify({
        prompts: [{ messages: [systemPrompt], cache_salt: 't1', model: 'other' }, { prompt: 'x' }],
      }),
    );
    if (!parsed.ok) throw new Error(parsed.message);
    expect(warmupGenerations(parsed.file, 'small')).toEqual([
      {
        path: '/v1/chat/completions',
        body: {
          messages: [systemPrompt],
          cache_salt: 't1',
          model: 'small',
          max_tokens: 1,
          temperature: 0,
          stream: false,
        },
        requestId: 'sidecar-warmup-1',
      },
      {
        path: '/v1/completions',
        body: { prompt: 'x', model: 'small', max_tokens: 1, temperature: 0, stream: false },
        requestId: 'sidecar-warmup-2',
      },
    ]);
  });
});

describe('runWarmupPlan', () => {
  function setup(options: Parameters<typeof createFakeEngine>[0] = {}) {
    const engine = createFakeEngine(options);
    const { logger, records } = captureLogs();
    // Virtual time: it moves only when the code under test pauses between attempts.
    let nowMs = 0;
    const deps = {
      engineBaseUrl: 'http://engine.test',
      fetch: (url: string, init?: RequestInit) => Promise.resolve(engine.app.request(url, init)),
      clock: { nowMs: () => nowMs },
      sleep: (ms: number) => {
        nowMs += ms;
        return Promise.resolve();
      },
    };
    const run = (prompts: Parameters<typeof warmupGenerations>[0]['prompts']) =>
      runWarmupPlan(deps, {
        deadlineMs: 5_000,
        retryIntervalMs: 1_000,
        signal: new AbortController().signal,
        model: 'small',
        prompts: warmupGenerations({ prompts }, 'small'),
        promptTimeoutMs: 1_000,
        logger,
      });
    return { engine, run, logs: records };
  }

  it('sends the canary first, then every prompt in order', async () => {
    const { engine, run } = setup();
    const result = await run([{ messages: [systemPrompt] }, { prompt: 'def main():' }]);
    expect(result).toEqual({ ok: true });
    expect(engine.requests.map((r) => [r.path, r.headers['x-request-id']])).toEqual([
      ['/v1/completions', 'sidecar-canary-warmup'],
      ['/v1/chat/completions', 'sidecar-warmup-1'],
      ['/v1/completions', 'sidecar-warmup-2'],
    ]);
  });

  it('logs and skips a warm-up prompt the engine rejects: the canary already proved generation', async () => {
    const { run, logs } = setup();
    const result = await run([{ prompt: 'x', fail_status: 400 }, { prompt: 'y' }]);
    expect(result).toEqual({ ok: true });
    expect(logs.find((l) => l.msg === 'warm-up prompt failed; skipped')).toMatchObject({
      level: 'warn',
      prompt: 1,
      of: 2,
      reason: 'generation answered 400',
    });
  });

  it('fails, sending no prompt, when the canary produces no token', async () => {
    const { engine, run } = setup({ generatesNothing: true });
    const result = await run([{ prompt: 'x' }]);
    expect(result.ok).toBe(false);
    expect(
      engine.requests.every((r) => r.headers['x-request-id'] === 'sidecar-canary-warmup'),
    ).toBe(true);
  });
});
