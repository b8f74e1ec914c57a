import { afterEach, describe, expect, it, vi } from 'vitest';
import { edgeHeaders } from './support/sidecar-harness';
import { closeEngines, path, post, proxySetup as setup, tokenGate } from './support/proxy-kit';

const decoder = new TextDecoder();
afterEach(closeEngines);

describe('proxy to the engine', () => {
  it('forwards method, path, query and body, and only the allowlisted headers', async () => {
    const { app, engine } = await setup();
    const headers = {
      ...(await edgeHeaders('POST', path, 'req-7')),
      'content-type': 'application/json',
      authorization: 'Bearer sk-sy-client-key',
    };
    await app.request(`${path}?a=1`, {
      method: 'POST',
      headers,
      body: '{"model":"small","prompt":"p"}',
    });

    const [seen] = engine.requests;
    expect(seen).toMatchObject({
      method: 'POST',
      path,
      search: '?a=1',
      body: '{"model":"small","prompt":"p"}',
    });
    expect(seen?.headers['x-request-id']).toBe('req-7');
    expect(seen?.headers['content-type']).toBe('application/json');
    for (const name of ['authorization', 'x-switchyard-signature', 'x-switchyard-timestamp']) {
      expect(seen?.headers).not.toHaveProperty(name);
    }
  });

  it('forwards the body byte for byte, so the edge’s cache_salt reaches the engine as sent', async () => {
    const { app, engine } = await setup();
    const body =
      '{ "model":"small", "cache_salt":"t-7f3a",\n "messages":[{"role":"user","content":"é"}] }';
    await app.request(path, {
      method: 'POST',
      headers: {
        ...(await edgeHeaders('POST', path, 'req-salt')),
        'content-type': 'application/json',
      },
      body,
    });
    expect(engine.requests[0]?.body).toBe(body);
  });

  it('keeps client credentials and forwarding headers away from the engine', async () => {
    const { app, engine } = await setup();
    await (await post(app, 'req-1', { prompt: 'p' })).text();
    const names = Object.keys(engine.requests[0]?.headers ?? {});
    for (const name of ['authorization', 'cookie', 'x-api-key', 'x-forwarded-for'])
      expect(names).not.toContain(name);
    expect(engine.requests[0]?.headers.accept).toBe('text/event-stream');
  });

  it('returns a JSON answer with the engine status and content type', async () => {
    const { app, inFlight } = await setup();
    const response = await post(app, 'req-1', { prompt: 'p', max_tokens: 3 });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toMatchObject({ usage: { completion_tokens: 3 } });
    expect(inFlight.count()).toBe(0);
  });

  it('relays an engine error status and body unchanged', async () => {
    const { app } = await setup();
    const response = await post(app, 'req-1', { prompt: 'p', fail_status: 400 });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { message: 'rejected by fake', code: 400 },
    });
  });

  it('streams chunk by chunk: the first token arrives before the engine produced the second', async () => {
    const gate = tokenGate();
    const { app, engine, inFlight } = await setup({ nextToken: gate.nextToken, tokens: 2 });
    const response = await post(app, 'req-1', { prompt: 'p', stream: true });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();

    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe('data: {"choices":[{"index":0,"text":"t1"}]}\n\n');
    expect(inFlight.count()).toBe(1);

    await vi.waitFor(() => expect(gate.pending()).toBe(1));
    expect(engine.metrics().generationTokensTotal).toBe(1);

    gate.open();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += decoder.decode(chunk.value);
    }
    expect(rest).toBe('data: {"choices":[{"index":0,"text":"t2"}]}\n\ndata: [DONE]\n\n');
    expect(inFlight.count()).toBe(0);
  });

  it('aborts the engine request when the edge disconnects mid-stream', async () => {
    const gate = tokenGate();
    const { app, engine, inFlight } = await setup({ nextToken: gate.nextToken, tokens: 100 });
    const edge = new AbortController();
    const response = await post(
      app,
      'req-abort',
      { prompt: 'p', stream: true },
      { signal: edge.signal },
    );
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();

    edge.abort();

    await vi.waitFor(() => expect(engine.aborts).toEqual(['req-abort']));
    await expect(reader.read()).rejects.toThrow();
    expect(inFlight.count()).toBe(0);
  });

  it('aborts the engine request when the relayed body is cancelled', async () => {
    const gate = tokenGate();
    const { app, engine, inFlight } = await setup({ nextToken: gate.nextToken, tokens: 100 });
    const response = await post(app, 'req-cancel', { prompt: 'p', stream: true });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();

    await reader.cancel();

    await vi.waitFor(() => expect(engine.aborts).toEqual(['req-cancel']));
    expect(inFlight.count()).toBe(0);
  });

  it('aborts a request that is still waiting for the engine when the edge disconnects', async () => {
    const { app, engine, inFlight } = await setup({ responseDelayMs: 10_000 });
    const edge = new AbortController();
    const pending = post(app, 'req-slow', { prompt: 'p' }, { signal: edge.signal });
    await vi.waitFor(() => expect(engine.requests).toHaveLength(1));
    expect(inFlight.count()).toBe(1);

    edge.abort();

    expect((await pending).status).toBe(502);
    expect(inFlight.count()).toBe(0);
  });
});
