import { describe, expect, it } from 'vitest';
import { relaySse } from '../../worker/core/sse-relay';

const encoder = new TextEncoder();
const clock = { nowMs: () => 1_000 };

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function run(chunks: Uint8Array[], clientWantsUsage = false) {
  const relay = relaySse(streamOf(chunks), { clientWantsUsage, clock, onCancel: () => undefined });
  const text = await new Response(relay.body).text();
  return { text, outcome: await relay.outcome };
}

const chunk = (content: string) =>
  `data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":null}]}\n\n`;
const finishChunk =
  'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n';
const usage =
  'data: {"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}\n\n';
// Multi-byte characters on purpose: a slice may fall inside one (RELIABILITY S1).
const transcript = `: keepalive\n\n${chunk('Grüße')}${chunk(' 世界')}${chunk(' 🚀')}${finishChunk}${usage}data: [DONE]\n\n`;

describe('relaySse', () => {
  it('relays byte-identical output however the upstream bytes are sliced, even inside a character', async () => {
    const bytes = encoder.encode(transcript);
    const whole = await run([bytes], true);
    for (let cut = 1; cut < bytes.length; cut++) {
      const sliced = await run([bytes.slice(0, cut), bytes.slice(cut)], true);
      expect(sliced.text, `cut at byte ${cut}`).toBe(whole.text);
    }
    expect(whole.text).toContain('Grüße');
    expect(whole.text).toContain('🚀');
  });

  it('relays byte by byte without losing or duplicating an event', async () => {
    const bytes = encoder.encode(transcript);
    const oneByOne = await run(
      Array.from(bytes, (b) => Uint8Array.of(b)),
      true,
    );
    expect(oneByOne.text).toBe((await run([bytes], true)).text);
  });

  it.each([
    [false, 0],
    [true, 1],
  ])(
    'with clientWantsUsage=%s forwards %i usage chunks and still records the usage',
    async (wants, count) => {
      const { text, outcome } = await run([encoder.encode(transcript)], wants);
      expect(text.split('"usage"').length - 1).toBe(count);
      expect(outcome).toMatchObject({
        end: 'done',
        usage: { prompt_tokens: 5, completion_tokens: 3 },
        contentChunks: 3,
      });
    },
  );

  it('drops the usage field from content chunks carrying continuous usage when the client did not ask', async () => {
    const withUsage =
      'data: {"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1}}\n\ndata: [DONE]\n\n';
    const { text, outcome } = await run([encoder.encode(withUsage)]);
    expect(text).toBe(
      'data: {"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n',
    );
    expect(outcome.usage).toMatchObject({ completion_tokens: 1 });
  });

  it('accepts an event larger than 64 KB', async () => {
    const big = 'x'.repeat(100_000);
    const { text, outcome } = await run([
      encoder.encode(`${chunk(big)}${finishChunk}data: [DONE]\n\n`),
    ]);
    expect(text).toContain(big);
    expect(outcome.end).toBe('done');
  });

  it.each([
    ['the body ends without [DONE]', chunk('a'), 'upstream_truncated'],
    ['a chunk is not JSON', `${chunk('a')}data: {nope\n\n`, 'upstream_truncated'],
    [
      'the engine sends an error event',
      `${chunk('a')}data: {"error":{"message":"boom"}}\n\n`,
      'upstream_error_event',
    ],
    [
      '[DONE] comes before any choice finished',
      `${chunk('a')}data: [DONE]\n\n`,
      'upstream_truncated',
    ],
    [
      'a chunk is JSON of the wrong shape',
      `${chunk('a')}data: {"choices":7}\n\n`,
      'upstream_truncated',
    ],
    ['a chunk is null', `${chunk('a')}data: null\n\n`, 'upstream_truncated'],
    [
      'an event never ends',
      `${chunk('a')}data: ${'x'.repeat(4 * 1024 * 1024 + 10)}`,
      'upstream_truncated',
    ],
  ])('ends with one error event and no [DONE] when %s', async (_name, body, end) => {
    const { text, outcome } = await run([encoder.encode(body)]);
    expect(text).not.toContain('[DONE]');
    expect(text.trimEnd().split('\n\n').at(-1)).toMatch(/^data: \{"error":/);
    expect(outcome.end).toBe(end);
  });

  it('ends with an error event when the upstream connection breaks mid-stream', async () => {
    let pulls = 0;
    const upstream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) controller.enqueue(encoder.encode(chunk('a')));
        else controller.error(new Error('connection reset'));
      },
    });
    const relay = relaySse(upstream, { clientWantsUsage: false, clock, onCancel: () => undefined });
    const text = await new Response(relay.body).text();
    expect(text).toContain('"a"');
    expect(text).toMatch(/data: \{"error":.*"upstream_error"/);
    expect((await relay.outcome).end).toBe('upstream_truncated');
  });

  it('aborts the upstream and reports client_cancelled when the client goes away', async () => {
    let upstreamCancelled = false;
    let aborted = false;
    const upstream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(encoder.encode(chunk('tick')));
      },
      cancel() {
        upstreamCancelled = true;
      },
    });
    const relay = relaySse(upstream, {
      clientWantsUsage: false,
      clock,
      onCancel: () => (aborted = true),
    });
    const reader = relay.body.getReader();
    await reader.read();
    await reader.cancel();
    expect(await relay.outcome).toMatchObject({
      end: 'client_cancelled',
      contentChunks: expect.any(Number),
    });
    expect(aborted).toBe(true);
    expect(upstreamCancelled).toBe(true);
  });
});

describe('relaySse text capture for payload logging', () => {
  const relayed = async (captureTextChars: number | undefined) => {
    const relay = relaySse(streamOf([encoder.encode(transcript)]), {
      clientWantsUsage: true,
      clock,
      onCancel: () => undefined,
      captureTextChars,
    });
    return { text: await new Response(relay.body).text(), outcome: await relay.outcome };
  };

  it.each([
    ['keeps the whole text when it fits', 1_000, { text: 'Grüße 世界 🚀', truncated: false }],
    ['stops at the limit and marks the text truncated', 7, { text: 'Grüße 世', truncated: true }],
  ])('%s', async (_case, limit, expected) => {
    const { outcome } = await relayed(limit);
    expect(outcome.text).toEqual(expected);
  });

  it('keeps no text and relays the same bytes when capture is off', async () => {
    const off = await relayed(undefined);
    expect(off.outcome).not.toHaveProperty('text');
    expect(off.text).toBe((await relayed(1_000)).text);
  });
});

describe('relaySse when the client signal aborts first', () => {
  it('reports client_cancelled, not an upstream failure, when the aborted fetch breaks the read', async () => {
    const client = new AbortController();
    let pulls = 0;
    const upstream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) {
          controller.enqueue(encoder.encode(chunk('a')));
        } else {
          client.abort();
          controller.error(new Error('aborted'));
        }
      },
    });
    const relay = relaySse(upstream, {
      clientWantsUsage: false,
      clock,
      onCancel: () => undefined,
      clientSignal: client.signal,
    });
    const text = await new Response(relay.body).text();
    expect(text).not.toContain('"error"');
    expect((await relay.outcome).end).toBe('client_cancelled');
  });
});
