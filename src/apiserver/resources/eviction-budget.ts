// pods/eviction against PodDisruptionBudgets, as upstream: a pod that is not running yet, finished
// or already going is deleted freely; otherwise the one budget selecting it must allow a disruption,
// which the eviction spends (status.disruptionsAllowed - 1, the pod in status.disruptedPods, so the
// disruption controller does not count it as healthy) before the pod is deleted. A refusal is 429
// TooManyRequests, which `kubectl drain` retries.
import type { PodDisruptionBudgetSpec, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import type { KObject } from '../../registry/types.js';
import { selectorMatches } from '../../registry/validation/selector.js';
import { ApiError, errors } from '../errors.js';
import type { ResourceContext } from './context.js';
import { updateStored } from './operations.js';
import { nowRfc3339 } from './prepare.js';

const pdbRef = { group: 'policy', resource: 'poddisruptionbudgets' };
const refusal = "Cannot evict pod as it would violate the pod's disruption budget.";
const budgetCause = (message: string) => [{ reason: 'DisruptionBudget', message }];

/** The budget's status is older than its spec: ask the client to come back (upstream: in 10 s). */
export const budgetNotProcessed = (name: string) =>
  new ApiError(429, 'TooManyRequests', refusal, { retryAfterSeconds: 10, causes: budgetCause(`The disruption budget ${name} is still being processed by the server.`) }, { 'Retry-After': '10' });

const phaseOf = (pod: KObject) => (pod.status as { phase?: string } | undefined)?.phase ?? 'Pending';
const ready = (pod: KObject) => ((pod.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Evictions recorded but not yet seen by the controller beyond this refuse further ones (upstream). */
const maxDisruptedPods = 2000;

export type EvictionAdmission =
  /** Delete without further checks. */
  | { kind: 'free' }
  /** Delete only the pod as it was judged (an unready pod may have become ready meanwhile). */
  | { kind: 'as-judged'; budget: string }
  /** A disruption was spent. */
  | { kind: 'spent'; budget: string };

/** Spends a disruption of the budget covering `pod`, or throws the refusal; says how the pod may go. */
export async function admitEviction(ctx: ResourceContext, pod: KObject, dryRun: boolean): Promise<EvictionAdmission> {
  if (pod.metadata.deletionTimestamp || ['Pending', 'Succeeded', 'Failed'].includes(phaseOf(pod))) return { kind: 'free' };
  const d = ctx.registry.findByResource('policy', 'v1', 'poddisruptionbudgets');
  if (!d) return { kind: 'free' };
  // A budget without a selector selects nothing; an empty one ({}) every pod of the namespace.
  const budgets = (await ctx.store.list(d, { namespace: pod.metadata.namespace })).items.filter((b) => {
    const sel = (b.spec as PodDisruptionBudgetSpec | undefined)?.selector;
    return sel !== undefined && sel !== null && selectorMatches(sel, pod.metadata.labels);
  });
  if (budgets.length === 0) return { kind: 'free' };
  if (budgets.length > 1) throw new ApiError(500, '', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  const budget = budgets[0]!;
  const name = budget.metadata.name!;
  const spec = (budget.spec ?? {}) as PodDisruptionBudgetSpec;
  const seen = (budget.status ?? {}) as PodDisruptionBudgetStatus;
  // An unready pod adds nothing to what is healthy: it may go without spending the budget when the
  // budget says unhealthy pods always may, or when the application is not disrupted now.
  if (!ready(pod)) {
    if (spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') return { kind: 'as-judged', budget: name };
    if ((seen.currentHealthy ?? 0) >= (seen.desiredHealthy ?? 0) && (seen.desiredHealthy ?? 0) > 0) return { kind: 'as-judged', budget: name };
  }
  await updateStored(ctx, d, { namespace: budget.metadata.namespace, name }, (current) => {
    const status = (current.status ?? {}) as PodDisruptionBudgetStatus;
    const allowed = status.disruptionsAllowed ?? 0;
    if ((status.observedGeneration ?? 0) < (current.metadata.generation ?? 1)) throw budgetNotProcessed(name);
    if (allowed < 0) throw errors.forbidden(`poddisruptionbudgets.policy "${name}" is forbidden: pdb disruptions allowed is negative`, pdbRef, name);
    if (Object.keys(status.disruptedPods ?? {}).length > maxDisruptedPods) {
      throw errors.forbidden(`poddisruptionbudgets.policy "${name}" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller`, pdbRef, name);
    }
    if (allowed === 0) {
      throw new ApiError(429, 'TooManyRequests', refusal, { causes: budgetCause(`The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`) });
    }
    status.disruptionsAllowed = allowed - 1;
    if (status.disruptionsAllowed === 0) {
      status.conditions = (status.conditions ?? []).map((c) =>
        c.type === 'DisruptionAllowed' && c.status !== 'False' ? { ...c, status: 'False', reason: 'InsufficientPods', message: '', lastTransitionTime: nowRfc3339() } : c,
      );
    }
    status.disruptedPods = { ...(status.disruptedPods ?? {}), [pod.metadata.name!]: nowRfc3339() };
    current.status = status;
    return current;
  }, { subresource: 'status', dryRun });
  return { kind: 'spent', budget: name };
}
