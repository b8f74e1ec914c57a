/**
 * The simulator's tokenizer. vLLM counts tokens with the model's own BPE vocabulary; the simulator
 * has none, so it uses a rule close to a GPT-2-style pre-tokenizer, which gives counts of the same
 * order as a real tokenizer on English text and keeps them exactly reproducible:
 *
 * - a chat-template marker such as `<|im_start|>` is one token;
 * - an optional single leading space plus a run of 1–8 letters is one token (a longer word is split
 *   every 8 letters, so a pasted blob without spaces still costs many tokens);
 * - an optional single leading space plus a run of 1–3 digits is one token;
 * - an optional single leading space plus one other symbol (punctuation, emoji) is one token;
 * - remaining whitespace is one token per run, leaving the last space to the word that follows.
 *
 * Every character belongs to exactly one token, so joining the tokens gives back the text. The same
 * rule counts prompts (`prompt_tokens`) and generated text (`completion_tokens`).
 */
const tokenPattern = /<\|[a-z_]+\|>| ?\p{L}{1,8}| ?\p{N}{1,3}| ?[^\s\p{L}\p{N}]|\s+(?!\S)|\s+/gu;

/** Splits `text` into tokens by the rule above. */
export function tokenize(text: string): string[] {
  return text.match(tokenPattern) ?? [];
}

/** The number of tokens in `text` by the rule above. */
export function countTokens(text: string): number {
  return tokenize(text).length;
}
