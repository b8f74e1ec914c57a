import { sseEvent } from '../core/sse-relay';
import type { CachedAnswer, CachedChoice } from './cached-answer';

/**
 * Rebuilds a stored answer in the format the request wants (RELIABILITY K5): a JSON body, or SSE
 * with a role chunk, content chunks, the finish chunk, the usage chunk when asked for, and one
 * `[DONE]`. Ids and `created` are new for every replay; nothing of the original framing is kept.
 */

export interface ReplayContext {
  /** The response id (`chatcmpl-…` / `cmpl-…`), fresh per request. */
  id: string;
  createdSeconds: number;
  /** The model the client named, as a real answer would echo it. */
  model: string;
}

/** Content is sent in pieces of about this many characters, cut after whitespace. */
const pieceChars = 48;

/** Splits text into pieces that join back to exactly the text. */
export function textPieces(text: string): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > pieceChars) {
    const window = rest.slice(0, pieceChars);
    const cut = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\n')) + 1;
    const at = cut > 0 ? cut : pieceChars;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}

export function replayJson(answer: CachedAnswer, ctx: ReplayContext): Record<string, unknown> {
  const chat = answer.endpoint === 'chat';
  return {
    id: ctx.id,
    object: chat ? 'chat.completion' : 'text_completion',
    created: ctx.createdSeconds,
    model: ctx.model,
    choices: answer.choices.map((choice) =>
      chat
        ? {
            index: choice.index,
            message: choice.message,
            logprobs: null,
            finish_reason: choice.finishReason,
          }
        : {
            index: choice.index,
            text: choice.text,
            logprobs: null,
            finish_reason: choice.finishReason,
          },
    ),
    usage: answer.usage,
  };
}

function chatDeltas(choice: CachedChoice): Record<string, unknown>[] {
  const message = choice.message ?? {};
  const content = typeof message.content === 'string' ? message.content : '';
  const deltas: Record<string, unknown>[] = [{ role: 'assistant', content: '' }];
  for (const piece of textPieces(content)) deltas.push({ content: piece });
  if (typeof message.refusal === 'string') deltas.push({ refusal: message.refusal });
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
    deltas.push({
      tool_calls: (message.tool_calls as Record<string, unknown>[]).map((call, index) => ({
        index,
        ...call,
      })),
    });
  }
  return deltas;
}

/** The SSE body of a replay: every event, `[DONE]` last. */
export function replaySse(
  answer: CachedAnswer,
  ctx: ReplayContext,
  options: { includeUsage: boolean },
): string {
  const chat = answer.endpoint === 'chat';
  const frame = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    sseEvent(
      JSON.stringify({
        id: ctx.id,
        object: chat ? 'chat.completion.chunk' : 'text_completion',
        created: ctx.createdSeconds,
        model: ctx.model,
        choices,
        ...extra,
      }),
    );
  const events: string[] = [];
  for (const choice of answer.choices) {
    const index = choice.index;
    if (chat) {
      for (const delta of chatDeltas(choice)) {
        events.push(frame([{ index, delta, logprobs: null, finish_reason: null }]));
      }
      events.push(
        frame([{ index, delta: {}, logprobs: null, finish_reason: choice.finishReason }]),
      );
    } else {
      for (const piece of textPieces(choice.text ?? '')) {
        events.push(frame([{ index, text: piece, logprobs: null, finish_reason: null }]));
      }
      events.push(frame([{ index, text: '', logprobs: null, finish_reason: choice.finishReason }]));
    }
  }
  if (options.includeUsage) events.push(frame([], { usage: answer.usage }));
  events.push(sseEvent('[DONE]'));
  return events.join('');
}
