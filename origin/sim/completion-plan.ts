import type { ChatCompletionRequest, CompletionRequest } from './openai-schemas';
import type { PromptInput } from './prompt-input';
import { generateText, type FinishReason } from './text-generator';

/** The sampling fields the simulator acts on, with OpenAI's defaults applied. */
export interface SamplingParams {
  n: number;
  /** `max_completion_tokens` or `max_tokens`; undefined means "what the context leaves". */
  maxTokens: number | undefined;
  stop: string[];
  seed: number;
  /** temperature 0: every choice of a prompt is the same text, as with greedy decoding. */
  greedy: boolean;
  ignoreEos: boolean;
}

type SamplingFields = Pick<
  CompletionRequest,
  'n' | 'max_tokens' | 'stop' | 'seed' | 'temperature' | 'ignore_eos'
> &
  Partial<Pick<ChatCompletionRequest, 'max_completion_tokens'>>;

export function samplingParams(request: SamplingFields): SamplingParams {
  const { stop } = request;
  return {
    n: request.n ?? 1,
    maxTokens: request.max_completion_tokens ?? request.max_tokens ?? undefined,
    stop: stop === null || stop === undefined ? [] : typeof stop === 'string' ? [stop] : stop,
    seed: request.seed ?? 0,
    greedy: request.temperature === 0,
    ignoreEos: request.ignore_eos === true,
  };
}

export interface PlannedChoice {
  /** OpenAI's choice index: prompt index × n + choice number. */
  index: number;
  /** Which prompt of the request this choice continues. */
  promptIndex: number;
  tokens: string[];
  finishReason: FinishReason;
}

/**
 * A whole answer decided up front (generation is deterministic); streaming only paces it out.
 * Step k of the stream carries token k of every choice that has one.
 */
export interface CompletionPlan {
  promptTokens: number;
  choices: PlannedChoice[];
  /** Number of decode steps: the longest choice, and at least one to deliver the finish. */
  stepCount: number;
}

export type PlanResult = { ok: true; plan: CompletionPlan } | { ok: false; message: string };

export interface PlanLimits {
  maxModelLen: number;
  simSeed: number;
}

/**
 * Plans the answer to one completions or chat request, or says why the request does not fit the
 * context (vLLM's wording, returned as a 400 by the route).
 */
export function planCompletion(
  prompts: readonly PromptInput[],
  sampling: SamplingParams,
  limits: PlanLimits,
): PlanResult {
  const choices: PlannedChoice[] = [];
  for (const [promptIndex, prompt] of prompts.entries()) {
    const room = limits.maxModelLen - prompt.tokenCount;
    if (room < 1) {
      return {
        ok: false,
        message: `This model's maximum context length is ${limits.maxModelLen} tokens. However, your request has ${prompt.tokenCount} input tokens. Please reduce the length of the input messages.`,
      };
    }
    if (sampling.maxTokens !== undefined && sampling.maxTokens > room) {
      return {
        ok: false,
        message: `'max_tokens' or 'max_completion_tokens' is too large: ${sampling.maxTokens}. This model's maximum context length is ${limits.maxModelLen} tokens and your request has ${prompt.tokenCount} input tokens (${sampling.maxTokens} > ${limits.maxModelLen} - ${prompt.tokenCount}).`,
      };
    }
    for (let choice = 0; choice < sampling.n; choice++) {
      const generated = generateText({
        prompt: prompt.text,
        seed: sampling.seed,
        simSeed: limits.simSeed,
        variant: sampling.greedy ? 0 : choice,
        maxTokens: sampling.maxTokens ?? room,
        stop: sampling.stop,
        ignoreEos: sampling.ignoreEos,
      });
      choices.push({ index: promptIndex * sampling.n + choice, promptIndex, ...generated });
    }
  }
  const promptTokens = prompts.reduce((sum, prompt) => sum + prompt.tokenCount, 0);
  const stepCount = Math.max(1, ...choices.map((choice) => choice.tokens.length));
  return { ok: true, plan: { promptTokens, choices, stepCount } };
}

/** Tokens produced at `step` across all choices (what the generation counter adds). */
export function tokensAtStep(plan: CompletionPlan, step: number): number {
  return plan.choices.filter((choice) => choice.tokens.length > step).length;
}

export function completionTokens(plan: CompletionPlan): number {
  return plan.choices.reduce((sum, choice) => sum + choice.tokens.length, 0);
}
