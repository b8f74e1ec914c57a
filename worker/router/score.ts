import { hashedFeatures, signalNames, textSignals } from './features';

/**
 * The router's difficulty score: a logistic model over the prompt's text signals and hashed
 * n-grams (learned offline by scripts/train-router.ts, checked in as worker/router/weights.ts),
 * plus fixed nudges for what the request asks of the model (conversation depth, tools, JSON mode,
 * max_tokens). Score in [0, 1]: the estimated chance that the prompt needs the large tier.
 * No embedding call: it works the same with or without the semantic cache.
 */

/** The checked-in form of the learned weights. */
export interface RouterWeights {
  router: 'hashed-logistic-v1';
  hashBits: number;
  bias: number;
  /** One weight per entry of `signalNames`, in that order. */
  signals: readonly number[];
  /** Hashed n-gram weights, int8-quantised (× `hashedScale`), base64. */
  hashed: string;
  hashedScale: number;
  /**
   * Out-of-fold scores of the training prompts, ascending: the reference distribution a target
   * share ("30% to the large tier") is turned into a threshold with.
   */
  referenceScores: readonly number[];
}

/** Weights decoded for scoring; built once per isolate. */
export interface RouterModel {
  hashBits: number;
  bias: number;
  signals: readonly number[];
  hashed: Float32Array;
  referenceScores: readonly number[];
}

export function loadRouterModel(weights: RouterWeights): RouterModel {
  if (weights.signals.length !== signalNames.length) {
    throw new Error(
      `router weights have ${weights.signals.length} signals, code has ${signalNames.length}`,
    );
  }
  const bytes = Uint8Array.from(atob(weights.hashed), (ch) => ch.charCodeAt(0));
  if (bytes.length !== 1 << weights.hashBits) throw new Error('router weights: wrong hashed size');
  const hashed = new Float32Array(bytes.length);
  const signed = new Int8Array(bytes.buffer);
  for (let i = 0; i < signed.length; i++) hashed[i] = signed[i]! * weights.hashedScale;
  return { ...weights, hashed };
}

/** What the router looks at in one request. */
export interface PromptView {
  /** The turn to judge: the last user message (chat) or the prompt (completions). */
  text: string;
  /** Characters of the whole prompt, system prompt and earlier turns included. */
  totalChars: number;
  /** Messages in the conversation (1 for a completions prompt). */
  turns: number;
  tools: boolean;
  jsonMode: boolean;
  maxTokens: number | undefined;
}

/**
 * Nudges in logit units for what the labelled set cannot teach (it holds single-turn prompt
 * text): set by hand, documented in ARCHITECTURE.md. A deep conversation, tool use or a long
 * answer asked for make the large tier likelier; a tiny max_tokens makes it unlikelier.
 */
export const requestNudges = {
  perTurnBeyondTwo: 0.12,
  maxTurnNudge: 0.6,
  tools: 0.6,
  jsonMode: 0.3,
  longAnswerTokens: 2048,
  longAnswer: 0.5,
  shortAnswerTokens: 64,
  shortAnswer: -0.8,
} as const;

export function requestNudge(view: PromptView): number {
  const n = requestNudges;
  let z = Math.min(n.maxTurnNudge, Math.max(0, view.turns - 2) * n.perTurnBeyondTwo);
  if (view.tools) z += n.tools;
  if (view.jsonMode) z += n.jsonMode;
  if (view.maxTokens !== undefined) {
    if (view.maxTokens >= n.longAnswerTokens) z += n.longAnswer;
    else if (view.maxTokens <= n.shortAnswerTokens) z += n.shortAnswer;
  }
  return z;
}

/** The learned part alone: logit of the text signals and n-grams. */
export function textLogit(model: RouterModel, text: string, totalChars: number): number {
  const signals = textSignals(text, totalChars);
  let z = model.bias;
  for (let i = 0; i < signals.length; i++) z += signals[i]! * model.signals[i]!;
  const { index, value } = hashedFeatures(text, model.hashBits);
  for (let i = 0; i < index.length; i++) z += value[i]! * model.hashed[index[i]!]!;
  return z;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

export function scorePrompt(model: RouterModel, view: PromptView): number {
  return sigmoid(textLogit(model, view.text, view.totalChars) + requestNudge(view));
}
