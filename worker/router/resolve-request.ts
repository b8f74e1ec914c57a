import { GatewayError } from '../errors';
import type { GatewayDeps } from '../ports';
import { mayUse, resolveName } from './model-catalogue';
import { decideTier, isBorderline, isSaturated, type TierDecision } from './route';
import { scorePrompt, type PromptView } from './score';

/**
 * The request path's model resolution (DESIGN §2 "Model routing"): the key's policy, then alias →
 * model or routed name → router → tier → model. Everything it decides is pure (model-catalogue.ts,
 * route.ts, score.ts); only the pool snapshot for the load-aware downgrade is I/O.
 */

export interface ResolvedTarget {
  /** The model that will be asked to answer. */
  model: string;
  /** Set when a routed name chose the tier. */
  route?: TierDecision;
}

export interface ResolveInput {
  /** The name the client sent. */
  name: string;
  generates: boolean;
  body: Record<string, unknown>;
  /** Characters of the whole prompt. */
  totalChars: number;
  allowedModels: readonly string[] | null;
}

export async function resolveTarget(
  deps: GatewayDeps,
  input: ResolveInput,
): Promise<ResolvedTarget> {
  const catalogue = deps.config.models;
  if (!mayUse(input.allowedModels, catalogue, input.name)) {
    throw new GatewayError(
      'model_not_allowed',
      `This API key may not use the model '${input.name}'.`,
      { param: 'model' },
    );
  }
  const resolved = resolveName(catalogue, input.name);
  if (resolved.kind === 'model') return { model: resolved.model };
  if (!input.generates) {
    throw new GatewayError(
      'invalid_request',
      `'${input.name}' is a routed name for generation; name an embedding model instead.`,
      { param: 'model' },
    );
  }
  const route = resolved.route;
  const score = scorePrompt(catalogue.router, promptView(input.body, input.totalChars));
  // Only a borderline prompt needs the pool's load: this isolate's cached snapshot.
  const replicas = isBorderline(route, score) ? await deps.pool.snapshot() : [];
  const nowMs = deps.clock.nowMs();
  const decision = decideTier(route, score, (model) =>
    isSaturated(replicas, model, nowMs, deps.config.heartbeatStaleMs, route.downgrade.maxRunning),
  );
  return { model: decision.model, route: decision };
}

/** `x-switchyard-route`: the tier, the score and the threshold it reached, and any downgrade. */
export function routeHeader(decision: TierDecision): string {
  const parts = [
    `tier=${decision.tier}`,
    `score=${decision.score.toFixed(4)}`,
    `threshold=${decision.threshold.toFixed(4)}`,
  ];
  if (decision.downgradedFrom !== undefined) {
    parts.push(`downgraded-from=${decision.downgradedFrom}`);
  }
  return parts.join('; ');
}

/** The response with `x-switchyard-route` when a routed name chose the model. */
export function withRouteHeader(response: Response, decision: TierDecision | undefined): Response {
  if (decision !== undefined) response.headers.set('x-switchyard-route', routeHeader(decision));
  return response;
}

/**
 * What the usage row records: the tier (a downgrade is its own group in the reports, e.g.
 * `small:downgraded`) and the score as the header shows it.
 */
export function routeRecord(decision: TierDecision): { tier: string; score: number } {
  return {
    tier: decision.downgradedFrom === undefined ? decision.tier : `${decision.tier}:downgraded`,
    score: Number(decision.score.toFixed(4)),
  };
}

/** What the router reads from a chat or completions body (already validated, loosely). */
export function promptView(body: Record<string, unknown>, totalChars: number): PromptView {
  const messages = Array.isArray(body.messages)
    ? (body.messages as { role?: unknown; content?: string | { text?: string }[] | null }[])
    : undefined;
  let text = '';
  if (messages !== undefined) {
    const lastUser = messages.findLast((m) => m.role === 'user') ?? messages.at(-1);
    const content = lastUser?.content;
    text =
      typeof content === 'string' ? content : (content ?? []).map((p) => p.text ?? '').join('');
  } else if (typeof body.prompt === 'string') {
    text = body.prompt;
  } else if (Array.isArray(body.prompt)) {
    text = body.prompt.filter((p): p is string => typeof p === 'string').join('\n');
  }
  const format = body.response_format as { type?: unknown } | null | undefined;
  const maxTokens = [body.max_completion_tokens, body.max_tokens].find(
    (v): v is number => typeof v === 'number',
  );
  return {
    text,
    totalChars,
    turns: messages?.length ?? 1,
    tools:
      (Array.isArray(body.tools) && body.tools.length > 0) ||
      (Array.isArray(body.functions) && body.functions.length > 0),
    jsonMode: format?.type === 'json_object' || format?.type === 'json_schema',
    maxTokens,
  };
}
