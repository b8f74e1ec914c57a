import { describe, expect, it } from 'vitest';
import type { CachedAnswer } from '../../worker/cache/cached-answer';
import { answerFromJson } from '../../worker/cache/cached-answer';
import { replayJson, replaySse, textPieces } from '../../worker/cache/replay';
import { captureStreamAnswer } from '../../worker/cache/stream-answer';
import { dataEvents } from './support/requests';

const encoder = new TextEncoder();

/** A body that yields the given SSE text cut at every `cut`-th byte. */
function sliced(text: string, cut: number): ReadableStream<Uint8Array> {
  const bytes = encoder.encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + cut));
      at += cut;
    },
  });
}

const event = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
const chunk = (choices: unknown[]) => event({ object: 'chat.completion.chunk', choices });

const toolStream = [
  chunk([{ index: 0, delta: { role: 'assistant', content: '' } }]),
  chunk([{ index: 1, delta: { role: 'assistant', content: 'Ünïcode ' } }]),
  chunk([
    {
      index: 0,
      delta: {
        tool_calls: [
          {
            index: 0,
            id: 'call_1',
            type: 'function',
            function: { name: 'get_', arguments: '{"ci' },
          },
        ],
      },
    },
  ]),
  chunk([
    {
      index: 0,
      delta: {
        tool_calls: [{ index: 0, function: { name: 'weather', arguments: 'ty":"Oslo"}' } }],
      },
    },
  ]),
  chunk([{ index: 1, delta: { content: 'text ✓' }, finish_reason: 'stop' }]),
  chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
  'data: [DONE]\n\n',
].join('');

async function drain(body: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(body).text();
}

describe('rebuilding a stream’s answer on the side', () => {
  it.each([1, 7, 64, 10_000])(
    'passes the bytes through unchanged and rebuilds tool calls and n > 1 choices (cut every %i bytes)',
    async (cut) => {
      const capture = captureStreamAnswer(sliced(toolStream, cut), 'chat');
      expect(await drain(capture.body)).toBe(toolStream);
      expect(await capture.choices).toEqual([
        {
          index: 0,
          finishReason: 'tool_calls',
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
              },
            ],
          },
        },
        {
          index: 1,
          finishReason: 'stop',
          message: { role: 'assistant', content: 'Ünïcode text ✓' },
        },
      ]);
    },
  );

  it('gives nothing for a stream without [DONE], with an error event, or abandoned by the client', async () => {
    const cut = captureStreamAnswer(sliced(toolStream.replace('data: [DONE]\n\n', ''), 50), 'chat');
    await drain(cut.body);
    expect(await cut.choices).toBeUndefined();

    const failed = captureStreamAnswer(
      sliced(
        chunk([{ index: 0, delta: { content: 'a' } }]) +
          event({ error: { message: 'x' } }) +
          'data: [DONE]\n\n',
        9,
      ),
      'chat',
    );
    await drain(failed.body);
    expect(await failed.choices).toBeUndefined();

    const left = captureStreamAnswer(sliced(toolStream, 10), 'chat');
    const reader = left.body.getReader();
    await reader.read();
    await reader.cancel();
    expect(await left.choices).toBeUndefined();
  });
});

const answer: CachedAnswer = {
  v: 1,
  endpoint: 'chat',
  model: 'tiny',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      finishReason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
  storedAtMs: 0,
};
const ctx = { id: 'chatcmpl-new', createdSeconds: 1_700_000_000, model: 'alias' };

describe('replaying a stored answer', () => {
  it('splits text into pieces that join back exactly', () => {
    const text = 'word '.repeat(50) + 'x'.repeat(130) + ' end\n';
    const pieces = textPieces(text);
    expect(pieces.join('')).toBe(text);
    expect(pieces.every((p) => p.length <= 48)).toBe(true);
    expect(textPieces('')).toEqual([]);
  });

  it('replays a tool call as a stream the rebuilder reads back to the same answer', async () => {
    const sse = replaySse(answer, ctx, { includeUsage: true });
    const events = dataEvents(sse);
    expect(events.at(-1)).toBe('[DONE]');
    expect(JSON.parse(events.at(-2)!)).toMatchObject({ choices: [], usage: answer.usage });
    const capture = captureStreamAnswer(sliced(sse, 13), 'chat');
    await drain(capture.body);
    expect(await capture.choices).toEqual(answer.choices);
  });

  it('replays JSON with a fresh id, the requested model name and the stored usage', () => {
    expect(replayJson(answer, ctx)).toEqual({
      id: 'chatcmpl-new',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'alias',
      choices: [
        {
          index: 0,
          message: answer.choices[0]?.message,
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: answer.usage,
    });
  });

  it.each([
    ['no usage', { choices: [{ index: 0, message: {}, finish_reason: 'stop' }] }],
    [
      'a length finish',
      {
        choices: [{ index: 0, message: {}, finish_reason: 'length' }],
        usage: { prompt_tokens: 1 },
      },
    ],
    ['no finish', { choices: [{ index: 0, message: {} }], usage: { prompt_tokens: 1 } }],
    ['no choices', { choices: [], usage: { prompt_tokens: 1 } }],
    ['not an object', 'text'],
  ])('keeps nothing of a JSON answer with %s', (_name, parsed) => {
    expect(answerFromJson('chat', 'tiny', parsed, 0)).toBeUndefined();
  });
});
