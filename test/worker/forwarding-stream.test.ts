import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createKey, jsonRequest, staticPool, testApp, usageRow } from './support/harness';
import { chat, dataEvents } from './support/requests';
import {
  controlledStream,
  finishAndDone,
  pool,
  scriptedOrigin,
  silent,
  sleep,
  tokenChunk,
  type Behaviour,
} from './support/scripted-replicas';

const forwarding = {
  connectTimeoutMs: 100,
  firstByteTimeoutMs: 300,
  idleTimeoutMs: 80,
  keepaliveIntervalMs: 30,
  maxAttempts: 3,
};

/** Each call gets a fresh stream the behaviour drives; all of them are kept for assertions. */
function streaming(
  drive: (stream: ReturnType<typeof controlledStream>, callIndex: number) => void,
) {
  const streams: ReturnType<typeof controlledStream>[] = [];
  const behaviour: Behaviour = () => {
    const stream = controlledStream();
    streams.push(stream);
    drive(stream, streams.length - 1);
    return Promise.resolve(stream.response());
  };
  return { streams, behaviour };
}

function setup(replicaCount: number, behaviour: (replicaId: string) => Behaviour) {
  const origin = scriptedOrigin(behaviour);
  const harness = testApp({
    originFetch: origin.fetch,
    pool: staticPool(pool(replicaCount)),
    forwarding,
  });
  return { origin, ...harness };
}

const contents = (events: string[]) =>
  events
    .filter((e) => e !== '[DONE]')
    .map((e) => JSON.parse(e) as { choices?: { delta: { content?: string } }[]; error?: unknown })
    .filter((e) => e.choices?.[0]?.delta.content !== undefined)
    .map((e) => e.choices?.[0]?.delta.content);

describe('streams', () => {
  it('ends a stream killed after N tokens with exactly N tokens, one error event, no [DONE] and one midstream usage row', async () => {
    const { streams, behaviour } = streaming((s) => {
      void (async () => {
        for (let i = 0; i < 20; i += 1) s.push(tokenChunk(`t${i}`));
        await sleep(5);
        s.reset();
      })();
    });
    const { origin, send } = setup(3, () => behaviour);
    const { key } = await createKey();

    const { response, text } = await send(
      '/v1/chat/completions',
      jsonRequest(key, chat({ stream: true })),
    );

    const events = dataEvents(text);
    expect(contents(events)).toEqual(Array.from({ length: 20 }, (_, i) => `t${i}`));
    expect(events.filter((e) => e.includes('"error"'))).toHaveLength(1);
    expect(events.at(-1)).toContain('"error"');
    expect(events).not.toContain('[DONE]');
    // No second stream was spliced in: one replica was ever asked.
    expect(origin.calls).toHaveLength(1);
    expect(streams).toHaveLength(1);
    const requestId = response.headers.get('x-request-id');
    const { results } = await env.DB.prepare('SELECT status FROM usage_events WHERE request_id = ?')
      .bind(requestId)
      .all();
    expect(results).toEqual([{ status: 'midstream_error' }]);
  });

  it('retries an in-band error that came before any byte reached the client', async () => {
    const { behaviour } = streaming((s, callIndex) => {
      if (callIndex === 0) s.push(`data: ${JSON.stringify({ error: { message: 'boom' } })}\n\n`);
      else s.push(tokenChunk('fine'));
      s.push(finishAndDone);
      s.end();
    });
    const { origin, send } = setup(2, () => behaviour);
    const { key } = await createKey();

    const { response, text } = await send(
      '/v1/chat/completions',
      jsonRequest(key, chat({ stream: true })),
    );

    expect(response.status).toBe(200);
    expect(contents(dataEvents(text))).toEqual(['fine']);
    expect(text).not.toContain('boom');
    expect(origin.calls).toHaveLength(2);
    expect((await usageRow(response.headers.get('x-request-id')))?.status).toBe('ok');
  });

  it('answers 504 upstream_timeout when the engine never sends headers', async () => {
    const { origin, send } = setup(1, () => silent);
    const { key } = await createKey();

    const { response, text } = await send(
      '/v1/chat/completions',
      jsonRequest(key, chat({ stream: true })),
    );

    expect(response.status).toBe(504);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'upstream_timeout' } });
    expect(origin.calls[0]?.abortedAt).toBeDefined();
  });

  it('sends one upstream_timeout event and aborts the engine when headers come but no first event', async () => {
    const { streams, behaviour } = streaming(() => undefined);
    const { origin, send } = setup(1, () => behaviour);
    const { key } = await createKey();

    const { response, text } = await send(
      '/v1/chat/completions',
      jsonRequest(key, chat({ stream: true })),
    );

    // Headers were already sent while keepalives flowed, so the timeout arrives as an event.
    const events = dataEvents(text);
    expect(response.status).toBe(200);
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0] ?? '{}')).toMatchObject({ error: { code: 'upstream_timeout' } });
    expect(origin.calls[0]?.abortedAt).toBeDefined();
    expect(streams[0]?.state.cancelled).toBe(true);
  });

  it('sends `: keepalive` comments while waiting for the first token, then relays it', async () => {
    const { behaviour } = streaming((s) => {
      void (async () => {
        await sleep(150);
        s.push(tokenChunk('late'));
        s.push(finishAndDone);
        s.end();
      })();
    });
    const { send } = setup(1, () => behaviour);
    const { key } = await createKey();

    const { response, text } = await send(
      '/v1/chat/completions',
      jsonRequest(key, chat({ stream: true })),
    );

    expect(response.status).toBe(200);
    expect(text.indexOf(': keepalive')).toBeGreaterThanOrEqual(0);
    expect(text.indexOf(': keepalive')).toBeLessThan(text.indexOf('late'));
    expect(contents(dataEvents(text))).toEqual(['late']);
    expect(dataEvents(text).at(-1)).toBe('[DONE]');
  });

  it('ends a stream that goes idle mid-way with one error event and aborts the engine request', async () => {
    const { streams, behaviour } = streaming((s) => {
      s.push(tokenChunk('a'));
      s.push(tokenChunk('b'));
    });
    const { origin, send } = setup(2, () => behaviour);
    const { key } = await createKey();

    const { text } = await send('/v1/chat/completions', jsonRequest(key, chat({ stream: true })));

    const events = dataEvents(text);
    expect(contents(events)).toEqual(['a', 'b']);
    expect(events).toHaveLength(3);
    expect(JSON.parse(events[2] ?? '{}')).toMatchObject({ error: { code: 'upstream_timeout' } });
    expect(origin.calls).toHaveLength(1);
    expect(origin.calls[0]?.abortedAt).toBeDefined();
    expect(streams[0]?.state.cancelled).toBe(true);
  });

  it('does not cut a slow stream that keeps making progress', async () => {
    const { behaviour } = streaming((s) => {
      void (async () => {
        for (let i = 0; i < 8; i += 1) {
          s.push(tokenChunk(`${i}`));
          await sleep(forwarding.idleTimeoutMs / 2);
        }
        s.push(finishAndDone);
        s.end();
      })();
    });
    const { send } = setup(1, () => behaviour);
    const { key } = await createKey();

    const { text } = await send('/v1/chat/completions', jsonRequest(key, chat({ stream: true })));

    expect(contents(dataEvents(text))).toHaveLength(8);
    expect(dataEvents(text).at(-1)).toBe('[DONE]');
  });
});
