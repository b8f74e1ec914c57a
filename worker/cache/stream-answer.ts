import { createParser } from 'eventsource-parser';
import { isObject } from '../core/stream-chunk';
import { maxEventBytes } from '../core/sse-relay';
import type { CacheEndpoint } from './cache-key';
import type { CachedChoice } from './cached-answer';

/**
 * Rebuilds the final answer of a stream as it goes to the client, so a stream miss can be cached
 * like a JSON one. The bytes pass through unchanged and unbuffered (RELIABILITY S6); the parse
 * works on the same events the client reads. `choices` resolves once the client has read the
 * whole stream, or to undefined when the stream did not reach `[DONE]` (cancelled, broken).
 */

interface ToolCallParts {
  id?: string;
  type?: string;
  name: string;
  arguments: string;
}

interface ChoiceParts {
  content: string;
  text: string;
  refusal?: string;
  toolCalls: Map<number, ToolCallParts>;
  finishReason?: string;
}

export interface StreamAnswerCapture {
  body: ReadableStream<Uint8Array>;
  choices: Promise<CachedChoice[] | undefined>;
}

function addDelta(parts: ChoiceParts, choice: Record<string, unknown>) {
  if (typeof choice.text === 'string') parts.text += choice.text;
  if (typeof choice.finish_reason === 'string') parts.finishReason = choice.finish_reason;
  const delta = choice.delta;
  if (!isObject(delta)) return;
  if (typeof delta.content === 'string') parts.content += delta.content;
  if (typeof delta.refusal === 'string') parts.refusal = (parts.refusal ?? '') + delta.refusal;
  if (!Array.isArray(delta.tool_calls)) return;
  for (const [position, call] of (delta.tool_calls as unknown[]).entries()) {
    if (!isObject(call)) continue;
    const index = typeof call.index === 'number' ? call.index : position;
    const known = parts.toolCalls.get(index) ?? { name: '', arguments: '' };
    if (typeof call.id === 'string') known.id = call.id;
    if (typeof call.type === 'string') known.type = call.type;
    const fn = isObject(call.function) ? call.function : {};
    if (typeof fn.name === 'string') known.name += fn.name;
    if (typeof fn.arguments === 'string') known.arguments += fn.arguments;
    parts.toolCalls.set(index, known);
  }
}

function toChoice(endpoint: CacheEndpoint, index: number, parts: ChoiceParts): CachedChoice {
  const finishReason = parts.finishReason ?? '';
  if (endpoint === 'completions') return { index, text: parts.text, finishReason };
  const toolCalls = [...parts.toolCalls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, call]) => ({
      id: call.id,
      type: call.type ?? 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: parts.content.length > 0 || toolCalls.length === 0 ? parts.content : null,
  };
  if (parts.refusal !== undefined) message.refusal = parts.refusal;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return { index, message, finishReason };
}

export function captureStreamAnswer(
  source: ReadableStream<Uint8Array>,
  endpoint: CacheEndpoint,
): StreamAnswerCapture {
  const byChoice = new Map<number, ChoiceParts>();
  let sawDone = false;
  let broken = false;
  let settle: (choices: CachedChoice[] | undefined) => void = () => undefined;
  const choices = new Promise<CachedChoice[] | undefined>((resolve) => (settle = resolve));
  const decoder = new TextDecoder('utf-8');
  const parser = createParser({
    maxBufferSize: maxEventBytes,
    onError: () => (broken = true),
    onEvent(event) {
      if (event.data === '[DONE]') {
        sawDone = true;
        return;
      }
      let chunk: unknown;
      try {
        chunk = JSON.parse(event.data);
      } catch {
        broken = true;
        return;
      }
      if (!isObject(chunk)) return;
      if (chunk.error !== undefined) broken = true;
      if (!Array.isArray(chunk.choices)) return;
      for (const [position, choice] of (chunk.choices as unknown[]).entries()) {
        if (!isObject(choice)) continue;
        const index = typeof choice.index === 'number' ? choice.index : position;
        const parts = byChoice.get(index) ?? { content: '', text: '', toolCalls: new Map() };
        addDelta(parts, choice);
        byChoice.set(index, parts);
      }
    },
  });
  const finish = () => {
    parser.feed(decoder.decode());
    if (!sawDone || broken || byChoice.size === 0) {
      settle(undefined);
      return;
    }
    settle(
      [...byChoice.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, parts]) => toChoice(endpoint, index, parts)),
    );
  };
  const reader = source.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        settle(undefined);
        controller.error(error);
        return;
      }
      if (result.done) {
        finish();
        controller.close();
        return;
      }
      parser.feed(decoder.decode(result.value, { stream: true }));
      controller.enqueue(result.value);
    },
    async cancel(reason) {
      settle(undefined);
      await reader.cancel(reason);
    },
  });
  return { body, choices };
}
