import { completionTokens, type CompletionPlan, type PlannedChoice } from './completion-plan';
import type { FinishReason } from './text-generator';

/**
 * OpenAI's response and streaming-chunk shapes for `/v1/chat/completions` ('chat') and
 * `/v1/completions` ('text'), built from a plan. Pure: the route decides when each step is sent.
 * Outbound shapes are plain types, never validated at run time.
 */
export type CompletionKind = 'chat' | 'text';

export interface ResponseMeta {
  id: string;
  /** Unix seconds. */
  created: number;
  /** The served model name the client asked for. */
  model: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

interface ChatChunkChoice {
  index: number;
  delta: { role?: 'assistant'; content?: string };
  logprobs: null;
  finish_reason: FinishReason | null;
}

interface TextChunkChoice {
  index: number;
  text: string;
  logprobs: null;
  finish_reason: FinishReason | null;
}

interface ChunkBase<TObject extends string, TChoice> {
  id: string;
  object: TObject;
  created: number;
  model: string;
  choices: TChoice[];
  /** Present only when the client asked for `stream_options.include_usage`: null until the end. */
  usage?: Usage | null;
}

export type ChatCompletionChunk = ChunkBase<'chat.completion.chunk', ChatChunkChoice>;
export type TextCompletionChunk = ChunkBase<'text_completion', TextChunkChoice>;
export type CompletionChunk = ChatCompletionChunk | TextCompletionChunk;

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: 'assistant'; content: string };
    logprobs: null;
    finish_reason: FinishReason;
  }[];
  usage: Usage;
}

export interface TextCompletion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: { index: number; text: string; logprobs: null; finish_reason: FinishReason }[];
  usage: Usage;
}

export function usageOf(plan: CompletionPlan): Usage {
  const completion = completionTokens(plan);
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: completion,
    total_tokens: plan.promptTokens + completion,
  };
}

/** The non-streaming response body. */
export function completionResponse(
  kind: CompletionKind,
  meta: ResponseMeta,
  plan: CompletionPlan,
): ChatCompletion | TextCompletion {
  const usage = usageOf(plan);
  if (kind === 'chat') {
    const choices = plan.choices.map((choice) => ({
      index: choice.index,
      message: { role: 'assistant' as const, content: choice.tokens.join('') },
      logprobs: null,
      finish_reason: choice.finishReason,
    }));
    return { ...header(meta, 'chat.completion'), choices, usage };
  }
  const choices = plan.choices.map((choice) => ({
    index: choice.index,
    text: choice.tokens.join(''),
    logprobs: null,
    finish_reason: choice.finishReason,
  }));
  return { ...header(meta, 'text_completion'), choices, usage };
}

/**
 * The chunks sent at decode step `step`, one choice per chunk as OpenAI does: at step 0 (chat)
 * first a `role: "assistant"` delta per choice; then the step's token per choice that has one;
 * then, for each choice whose last token this was, a chunk with an empty delta and its
 * `finish_reason`. A choice with no tokens at all (a stop string at the very start) finishes at
 * step 0.
 */
export function chunksForStep(
  kind: CompletionKind,
  meta: ResponseMeta,
  plan: CompletionPlan,
  step: number,
  includeUsage: boolean,
): CompletionChunk[] {
  const make = (index: number, piece: Piece): CompletionChunk =>
    kind === 'chat'
      ? withUsage(
          { ...header(meta, 'chat.completion.chunk'), choices: [chatChoice(index, piece)] },
          includeUsage,
        )
      : withUsage(
          { ...header(meta, 'text_completion'), choices: [textChoice(index, piece)] },
          includeUsage,
        );
  const roles =
    kind === 'chat' && step === 0 ? plan.choices.map((c) => make(c.index, { role: true })) : [];
  const tokens = plan.choices.flatMap((c) => {
    const token = c.tokens[step];
    return token === undefined ? [] : [make(c.index, { content: token })];
  });
  const finishes = plan.choices
    .filter((c) => finishesAt(c) === step)
    .map((c) => make(c.index, { finishReason: c.finishReason }));
  return [...roles, ...tokens, ...finishes];
}

/** The extra chunk after the last step when `include_usage` is on: no choices, only usage. */
export function usageChunk(
  kind: CompletionKind,
  meta: ResponseMeta,
  plan: CompletionPlan,
): CompletionChunk {
  const usage = usageOf(plan);
  return kind === 'chat'
    ? { ...header(meta, 'chat.completion.chunk'), choices: [], usage }
    : { ...header(meta, 'text_completion'), choices: [], usage };
}

/** One server-sent event carrying `data` as JSON. */
export function sseEvent(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

/** The terminator OpenAI clients wait for; never sent after an error or an abort. */
export const sseDone = 'data: [DONE]\n\n';

type Piece = { role: true } | { content: string } | { finishReason: FinishReason };

/** id, object, created, model — in the order OpenAI sends them. */
function header<TObject extends string>(
  meta: ResponseMeta,
  object: TObject,
): { id: string; object: TObject; created: number; model: string } {
  return { id: meta.id, object, created: meta.created, model: meta.model };
}

function finishesAt(choice: PlannedChoice): number {
  return Math.max(0, choice.tokens.length - 1);
}

function chatChoice(index: number, piece: Piece): ChatChunkChoice {
  if ('role' in piece)
    return {
      index,
      delta: { role: 'assistant', content: '' },
      logprobs: null,
      finish_reason: null,
    };
  if ('content' in piece)
    return { index, delta: { content: piece.content }, logprobs: null, finish_reason: null };
  return { index, delta: {}, logprobs: null, finish_reason: piece.finishReason };
}

function textChoice(index: number, piece: Piece): TextChunkChoice {
  const finishReason = 'finishReason' in piece ? piece.finishReason : null;
  const text = 'content' in piece ? piece.content : '';
  return { index, text, logprobs: null, finish_reason: finishReason };
}

function withUsage<T extends CompletionChunk>(chunk: T, includeUsage: boolean): T {
  return includeUsage ? { ...chunk, usage: null } : chunk;
}
