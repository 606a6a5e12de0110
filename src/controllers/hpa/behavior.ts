// From "what the metrics ask for" to "what to set", as upstream normalizes it: within
// minReplicas..maxReplicas, stabilized over recent recommendations (scale down only to the highest
// of the window, so a dip does not shed pods that are needed again a minute later), and no faster
// than the scaling policies allow. The memory of past recommendations and scale events is per HPA
// and lives in the controller; every function here is pure given that memory and `nowMs`.
import type { HPAScalingRules, HorizontalPodAutoscalerBehavior } from 'kubernetes-types/autoscaling/v2.js';

export interface Recommendation {
  replicas: number;
  atMs: number;
}

export interface ScaleEvent {
  change: number;
  atMs: number;
  outdated: boolean;
}

export interface HpaMemory {
  recommendations: Recommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}

export const newMemory = (): HpaMemory => ({ recommendations: [], scaleUpEvents: [], scaleDownEvents: [] });

export interface ConditionChange {
  reason: string;
  message: string;
}

export interface Normalized {
  replicas: number;
  /** AbleToScale (always True here): whether stabilization held the recommendation back. */
  ableToScale: ConditionChange;
  /** ScalingLimited: True when the bounds or the rate changed the stabilized recommendation. */
  scalingLimited: ConditionChange & { status: 'True' | 'False' };
}

export interface NormalizeArgs {
  currentReplicas: number;
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  nowMs: number;
}

const READY: ConditionChange = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const WITHIN = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
const TOO_MANY = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
const TOO_FEW = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
const UP_LIMIT = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
const DOWN_LIMIT = { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };

/** Upstream seeds the memory with the current size the first time it sees an HPA. */
export function recordInitialRecommendation(mem: HpaMemory, currentReplicas: number, nowMs: number): void {
  if (mem.recommendations.length === 0) mem.recommendations.push({ replicas: currentReplicas, atMs: nowMs });
}

/** Keeps `replicas` in the memory, reusing the slot of one older than every window still needed. */
function remember(mem: HpaMemory, replicas: number, nowMs: number, isObsolete: (r: Recommendation) => boolean): void {
  let reuse = -1;
  mem.recommendations.forEach((r, i) => {
    if (isObsolete(r)) reuse = i;
  });
  if (reuse >= 0) mem.recommendations[reuse] = { replicas, atMs: nowMs };
  else mem.recommendations.push({ replicas, atMs: nowMs });
}

const limited = (replicas: number, stabilized: number, c: { reason: string; message: string }): Normalized['scalingLimited'] => ({
  ...c,
  status: replicas === stabilized ? 'False' : 'True',
});

// ---- without spec.behavior: the controller-wide downscale window and a fixed scale-up limit ----

export function normalizeWithoutBehavior(mem: HpaMemory, a: NormalizeArgs & { downscaleStabilizationMs: number }): Normalized {
  const cutoff = a.nowMs - a.downscaleStabilizationMs;
  let stabilized = a.desiredReplicas;
  for (const r of mem.recommendations) if (r.atMs >= cutoff && r.replicas > stabilized) stabilized = r.replicas;
  remember(mem, a.desiredReplicas, a.nowMs, (r) => r.atMs < cutoff);
  const ableToScale = stabilized !== a.desiredReplicas
    ? { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
    : READY;
  // At most double, and at least 4, per sync: a bogus usage spike cannot explode the target.
  const scaleUpLimit = Math.max(2 * a.currentReplicas, 4);
  const maxAllowed = Math.min(a.maxReplicas, scaleUpLimit);
  const upReason = a.maxReplicas > scaleUpLimit ? UP_LIMIT : TOO_MANY;
  let replicas = stabilized;
  let reason = WITHIN;
  if (stabilized < a.minReplicas) [replicas, reason] = [a.minReplicas, TOO_FEW];
  else if (stabilized > maxAllowed) [replicas, reason] = [maxAllowed, upReason];
  return { replicas, ableToScale, scalingLimited: limited(replicas, stabilized, reason) };
}

// ---- with spec.behavior: per-direction windows and policies ----

/** Behavior rules with every default filled in; `scaleDown.stabilizationWindowSeconds` from the flag when unset. */
export interface CompleteRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: Array<{ type: 'Pods' | 'Percent'; value: number; periodSeconds: number }>;
}

export function completeBehavior(b: HorizontalPodAutoscalerBehavior, downscaleStabilizationMs: number): { up: CompleteRules; down: CompleteRules } {
  const complete = (r: HPAScalingRules | undefined, window: number, policies: CompleteRules['policies']): CompleteRules => ({
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? window,
    selectPolicy: (r?.selectPolicy as CompleteRules['selectPolicy'] | undefined) ?? 'Max',
    policies: (r?.policies as CompleteRules['policies'] | undefined) ?? policies,
  });
  return {
    up: complete(b.scaleUp, 0, [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }]),
    down: complete(b.scaleDown, Math.round(downscaleStabilizationMs / 1000), [{ type: 'Percent', value: 100, periodSeconds: 15 }]),
  };
}

function stabilizeWithBehavior(mem: HpaMemory, a: NormalizeArgs, rules: { up: CompleteRules; down: CompleteRules }) {
  const upCutoff = a.nowMs - rules.up.stabilizationWindowSeconds * 1000;
  const downCutoff = a.nowMs - rules.down.stabilizationWindowSeconds * 1000;
  // Within the up window, scale up only to the lowest recommendation; within the down window,
  // scale down only to the highest.
  let upTo = a.desiredReplicas;
  let downTo = a.desiredReplicas;
  for (const r of mem.recommendations) {
    if (r.atMs > upCutoff) upTo = Math.min(upTo, r.replicas);
    if (r.atMs > downCutoff) downTo = Math.max(downTo, r.replicas);
  }
  let stabilized = a.currentReplicas;
  if (stabilized < upTo) stabilized = upTo;
  if (stabilized > downTo) stabilized = downTo;
  remember(mem, a.desiredReplicas, a.nowMs, (r) => r.atMs < upCutoff && r.atMs < downCutoff);
  const reason = a.desiredReplicas >= a.currentReplicas
    ? { reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
    : { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
  return { stabilized, reason };
}

/** Replicas added (or removed) by the scale events of the last `periodSeconds`. */
function changedWithin(events: readonly ScaleEvent[], periodSeconds: number, nowMs: number): number {
  const cutoff = nowMs - periodSeconds * 1000;
  return events.reduce((sum, e) => (e.atMs > cutoff ? sum + e.change : sum), 0);
}

/** The highest count the scale-up policies allow now, counted from the size at each period's start. */
export function scaleUpLimit(current: number, mem: HpaMemory, rules: CompleteRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  let result = rules.selectPolicy === 'Min' ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies) {
    const periodStart = current - changedWithin(mem.scaleUpEvents, p.periodSeconds, nowMs) + changedWithin(mem.scaleDownEvents, p.periodSeconds, nowMs);
    // Rounded up, or a small target could never grow by a percentage.
    const proposed = p.type === 'Pods' ? periodStart + p.value : Math.ceil(periodStart * (1 + p.value / 100));
    result = rules.selectPolicy === 'Min' ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** The lowest count the scale-down policies allow now. */
export function scaleDownLimit(current: number, mem: HpaMemory, rules: CompleteRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  let result = rules.selectPolicy === 'Min' ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies) {
    const periodStart = current - changedWithin(mem.scaleUpEvents, p.periodSeconds, nowMs) + changedWithin(mem.scaleDownEvents, p.periodSeconds, nowMs);
    const proposed = p.type === 'Pods' ? periodStart - p.value : Math.trunc(periodStart * (1 - p.value / 100));
    // "Min" means the smallest change, which for a scale-down is the highest count.
    result = rules.selectPolicy === 'Min' ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

export function normalizeWithBehavior(mem: HpaMemory, a: NormalizeArgs, rules: { up: CompleteRules; down: CompleteRules }): Normalized {
  const { stabilized, reason } = stabilizeWithBehavior(mem, a, rules);
  const ableToScale = stabilized !== a.desiredReplicas ? reason : READY;
  let replicas = stabilized;
  let why = WITHIN;
  if (stabilized > a.currentReplicas) {
    const limit = Math.max(scaleUpLimit(a.currentReplicas, mem, rules.up, a.nowMs), a.currentReplicas);
    const [maxAllowed, r] = a.maxReplicas > limit ? [limit, UP_LIMIT] : [a.maxReplicas, TOO_MANY];
    if (stabilized > maxAllowed) [replicas, why] = [maxAllowed, r];
  } else if (stabilized < a.currentReplicas) {
    const limit = Math.min(scaleDownLimit(a.currentReplicas, mem, rules.down, a.nowMs), a.currentReplicas);
    const [minAllowed, r] = a.minReplicas < limit ? [limit, DOWN_LIMIT] : [a.minReplicas, TOO_FEW];
    if (stabilized < minAllowed) [replicas, why] = [minAllowed, r];
  }
  return { replicas, ableToScale, scalingLimited: limited(replicas, stabilized, why) };
}

/** Remembers a scale that happened, for the policies' periods; slots older than the longest period are reused. */
export function recordScaleEvent(mem: HpaMemory, rules: { up: CompleteRules; down: CompleteRules }, from: number, to: number, nowMs: number): void {
  const up = to > from;
  const events = up ? mem.scaleUpEvents : mem.scaleDownEvents;
  const longest = Math.max(0, ...(up ? rules.up : rules.down).policies.map((p) => p.periodSeconds));
  for (const e of events) if (e.atMs < nowMs - longest * 1000) e.outdated = true;
  const event = { change: Math.abs(to - from), atMs: nowMs, outdated: false };
  let reuse = -1;
  events.forEach((e, i) => {
    if (e.outdated) reuse = i;
  });
  if (reuse >= 0) events[reuse] = event;
  else events.push(event);
}
