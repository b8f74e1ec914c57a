import type { RouteSpec } from '../config/models';
import type { ReplicaView } from '../ports';
import { isLive } from '../core/replica-choice';

/**
 * The tier decision for a routed name (`auto`), pure: the highest tier whose threshold the score
 * reaches, then the load-aware downgrade. Thresholds are fixed when the catalogue is loaded.
 */

export interface CompiledRoute {
  name: string;
  tiers: readonly { name: string; model: string }[];
  /** `thresholds[i]` is where tier i + 1 starts; ascending. */
  thresholds: readonly number[];
  downgrade: { enabled: boolean; margin: number; maxRunning?: number };
}

/**
 * The threshold that sends at most `share` of the reference prompts to the top tier: the score of
 * the prompt just above the cut, so ties never push the share over the target.
 */
export function thresholdForShare(sortedScores: readonly number[], share: number): number {
  const n = sortedScores.length;
  if (n === 0) throw new Error('no reference scores to calibrate against');
  const allowed = Math.floor(share * n);
  if (allowed <= 0) return Math.min(1, (sortedScores[n - 1] ?? 0) + 1e-6);
  // The top `allowed` scores go up; a tie across the cut moves it up past the tied scores.
  let cut = n - allowed;
  while (cut < n && cut > 0 && sortedScores[cut] === sortedScores[cut - 1]) cut += 1;
  return cut >= n ? Math.min(1, sortedScores[n - 1]! + 1e-6) : sortedScores[cut]!;
}

export function compileRoute(
  name: string,
  spec: RouteSpec,
  referenceScores: readonly number[],
): CompiledRoute {
  const thresholds = spec.thresholds ?? [
    thresholdForShare(referenceScores, spec.target?.topTierShare ?? 0.3),
  ];
  return { name, tiers: spec.tiers, thresholds, downgrade: spec.downgrade };
}

export interface TierDecision {
  tier: string;
  model: string;
  score: number;
  /** The threshold of the tier the score reached (0 for the first tier). */
  threshold: number;
  /** Set when load moved a borderline prompt down from this tier. */
  downgradedFrom?: string;
}

/** The index of the highest tier whose threshold the score reaches. */
function reachedLevel(route: CompiledRoute, score: number): number {
  let level = 0;
  for (let i = 0; i < route.thresholds.length; i++)
    if (score >= route.thresholds[i]!) level = i + 1;
  return level;
}

/** Whether load may move this score down a tier: it reached a tier by less than the margin. */
export function isBorderline(route: CompiledRoute, score: number): boolean {
  const level = reachedLevel(route, score);
  return (
    route.downgrade.enabled &&
    level > 0 &&
    score < route.thresholds[level - 1]! + route.downgrade.margin
  );
}

/**
 * `saturated(model)` says whether the model's ready replicas are all busy; it is asked only for a
 * borderline prompt, so the common case needs no pool view.
 */
export function decideTier(
  route: CompiledRoute,
  score: number,
  saturated: (model: string) => boolean,
): TierDecision {
  const level = reachedLevel(route, score);
  const tier = route.tiers[level]!;
  const thresholdOf = (l: number) => (l === 0 ? 0 : route.thresholds[l - 1]!);
  if (isBorderline(route, score) && saturated(tier.model)) {
    const lower = route.tiers[level - 1]!;
    return {
      tier: lower.name,
      model: lower.model,
      score,
      threshold: thresholdOf(level - 1),
      downgradedFrom: tier.name,
    };
  }
  return { tier: tier.name, model: tier.model, score, threshold: thresholdOf(level) };
}

/**
 * Saturated: at least one live ready replica serves the model and every one of them has requests
 * waiting, or runs at least `maxRunning` (the heartbeat carries no engine batch limit, so that cap
 * is configuration). No ready replica is not saturation: waking and 503 handle that.
 */
export function isSaturated(
  replicas: readonly ReplicaView[],
  model: string,
  nowMs: number,
  staleMs: number,
  maxRunning: number | undefined,
): boolean {
  const ready = replicas.filter(
    (r) => r.models.includes(model) && r.state === 'ready' && isLive(r, nowMs, staleMs),
  );
  return (
    ready.length > 0 &&
    ready.every((r) => r.waiting > 0 || (maxRunning !== undefined && r.running >= maxRunning))
  );
}
