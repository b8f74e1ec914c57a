import type { ChatMessage, PromptField } from './openai-schemas';
import { tokenize } from './tokenizer';

/** One prompt as the engine sees it: the text that seeds generation and its tokens. */
export interface PromptInput {
  text: string;
  /** The prompt's tokens; the prefix cache hashes them block by block. */
  tokens: readonly string[];
  tokenCount: number;
}

/**
 * Renders chat messages with a ChatML-style template, as vLLM applies the model's chat template
 * before tokenizing, so `prompt_tokens` includes role markers and the generation prompt:
 *
 *   <|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n
 *
 * Content parts other than text (images, audio) contribute nothing.
 */
export function renderChatPrompt(messages: readonly ChatMessage[]): string {
  const turns = messages.map(
    (message) => `<|im_start|>${message.role}\n${messageText(message)}<|im_end|>\n`,
  );
  return `${turns.join('')}<|im_start|>assistant\n`;
}

function messageText(message: ChatMessage): string {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content
    .flatMap((part) => (part.type === 'text' && part.text ? [part.text] : []))
    .join('\n');
}

export function chatPromptInput(messages: readonly ChatMessage[]): PromptInput {
  return textInput(renderChatPrompt(messages));
}

/**
 * The prompts of a completions or embeddings request, one per entry. Token-id prompts count as
 * many tokens as ids (they are already tokenized) and seed generation with the ids as text.
 */
export function promptInputs(prompt: PromptField): PromptInput[] {
  if (typeof prompt === 'string') return [textInput(prompt)];
  if (isTokenIds(prompt)) return [idsInput(prompt)];
  return prompt.map((entry: string | number[]) =>
    typeof entry === 'string' ? textInput(entry) : idsInput(entry),
  );
}

function isTokenIds(prompt: Exclude<PromptField, string>): prompt is number[] {
  return prompt.every((entry) => typeof entry === 'number');
}

function textInput(text: string): PromptInput {
  const tokens = tokenize(text);
  return { text, tokens, tokenCount: tokens.length };
}

function idsInput(ids: readonly number[]): PromptInput {
  return { text: ids.join(' '), tokens: ids.map(String), tokenCount: ids.length };
}
