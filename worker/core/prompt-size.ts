/**
 * Rough prompt sizes in characters, for token estimates when the engine reports none and for
 * reserving tokens against a key's limit. Bodies are already validated, so each shape is known;
 * nothing here recurses into client data.
 */

/** A token id stands for about four characters of English text. */
const charsPerTokenId = 4;

/** Chat message content: a string, or parts of which text parts count. */
export function contentChars(
  content: string | readonly { text?: string }[] | null | undefined,
): number {
  if (typeof content === 'string') return content.length;
  if (!content) return 0;
  let chars = 0;
  for (const part of content) chars += part.text?.length ?? 0;
  return chars;
}

/** A completions prompt or an embeddings input: text, texts, token ids, or lists of token ids. */
export function promptChars(
  prompt: string | readonly string[] | readonly number[] | readonly (readonly number[])[],
): number {
  if (typeof prompt === 'string') return prompt.length;
  let chars = 0;
  for (const item of prompt) {
    if (typeof item === 'string') chars += item.length;
    else if (typeof item === 'number') chars += charsPerTokenId;
    else chars += item.length * charsPerTokenId;
  }
  return chars;
}
