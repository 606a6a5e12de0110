// pods/eviction against PodDisruptionBudgets, as upstream: a pod that is not running yet, finished
// or already going is deleted freely; otherwise the one budget selecting it must allow a disruption,
// which the eviction spends (status.disruptionsAllowed - 1, the pod in status.disruptedPods) before
// the pod is deleted. A refusal is 429 TooManyRequests, which `kubectl drain` retries.
import type { PodDisruptionBudgetSpec, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import type { KObject } from '../../registry/types.js';
import { selectorMatches } from '../../registry/validation/selector.js';
import { ApiError } from '../errors.js';
import type { ResourceContext } from './context.js';
import { updateStored } from './operations.js';
import { nowRfc3339 } from './prepare.js';

const refused = (cause: string) =>
  new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", { causes: [{ reason: 'DisruptionBudget', message: cause }] });

const phaseOf = (pod: KObject) => (pod.status as { phase?: string } | undefined)?.phase ?? 'Pending';
const ready = (pod: KObject) => ((pod.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Spends a disruption of the budget covering `pod`, or throws the 429; returns when the pod may go. */
export async function admitEviction(ctx: ResourceContext, pod: KObject, dryRun: boolean): Promise<void> {
  if (pod.metadata.deletionTimestamp || ['Pending', 'Succeeded', 'Failed'].includes(phaseOf(pod))) return;
  const d = ctx.registry.findByResource('policy', 'v1', 'poddisruptionbudgets');
  if (!d) return;
  const budgets = (await ctx.store.list(d, { namespace: pod.metadata.namespace })).items.filter((b) => {
    const sel = (b.spec as PodDisruptionBudgetSpec | undefined)?.selector;
    return sel !== undefined && sel !== null && selectorMatches(sel, pod.metadata.labels);
  });
  if (budgets.length === 0) return;
  if (budgets.length > 1) throw new ApiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  const budget = budgets[0]!;
  const name = budget.metadata.name!;
  await updateStored(ctx, d, { namespace: budget.metadata.namespace, name }, (current) => {
    const spec = (current.spec ?? {}) as PodDisruptionBudgetSpec;
    const status = (current.status ?? {}) as PodDisruptionBudgetStatus;
    const current_ = status.currentHealthy ?? 0;
    const desired = status.desiredHealthy ?? 0;
    // An unready pod does not lower what is healthy: it may go when the budget says so.
    if (!ready(pod) && (spec.unhealthyPodEvictionPolicy === 'AlwaysAllow' || current_ >= desired)) throw new EvictionAllowed();
    if ((status.observedGeneration ?? 0) < (current.metadata.generation ?? 1)) throw refused(`The disruption budget ${name} is still being processed by the server.`);
    if ((status.disruptionsAllowed ?? 0) <= 0) throw refused(`The disruption budget ${name} needs ${desired} healthy pods and has ${current_} currently`);
    status.disruptionsAllowed = (status.disruptionsAllowed ?? 0) - 1;
    status.disruptedPods = { ...(status.disruptedPods ?? {}), [pod.metadata.name!]: nowRfc3339() };
    current.status = status;
    return current;
  }, { subresource: 'status', dryRun }).catch((err: unknown) => {
    if (!(err instanceof EvictionAllowed)) throw err;
  });
}

class EvictionAllowed extends Error {}
