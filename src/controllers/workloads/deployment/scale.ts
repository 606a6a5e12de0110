// Scaling without a rollout (`kubectl scale`, or any change while paused): a single active set
// takes the new size; with several mid-rollout, each grows or shrinks in proportion to its share,
// so the rollout's progress is kept.
import type { KObject } from '../../../registry/types.js';
import type { DeploymentContext, Working } from './context.js';
import { desiredReplicasOf, maxReplicasOf } from './annotations.js';
import { isRollingUpdate, maxSurge, replicasOf } from './limits.js';
import { byCreation, isActiveSet, rsAvailable, rsSpecReplicas, specTotal } from './replica-set-counts.js';
import { scaleReplicaSet } from './replica-sets.js';

/** True when an active set was sized for a different spec.replicas than the Deployment's now. */
export function isScalingEvent(d: KObject, rss: KObject[]): boolean {
  return rss.filter(isActiveSet).some((rs) => {
    const desired = desiredReplicasOf(rs);
    return desired !== undefined && desired !== replicasOf(d);
  });
}

function activeOrLatest(newRS: KObject | undefined, oldRSs: KObject[]): KObject | undefined {
  const newestFirst = [...oldRSs].sort(byCreation).reverse();
  const active = [...newestFirst, ...(newRS ? [newRS] : [])].filter(isActiveSet);
  if (active.length === 1) return active[0];
  if (active.length === 0) return newRS ?? newestFirst[0];
  return undefined;
}

function saturated(d: KObject, newRS: KObject | undefined): boolean {
  if (!newRS) return false;
  const want = replicasOf(d);
  return rsSpecReplicas(newRS) === want && desiredReplicasOf(newRS) === want && rsAvailable(newRS) === want;
}

export async function scaleDeployment(ctx: DeploymentContext, w: Working, newRS: KObject | undefined, oldRSs: KObject[]): Promise<void> {
  const d = w.d;
  const want = replicasOf(d);
  const only = activeOrLatest(newRS, oldRSs);
  if (only) {
    if (rsSpecReplicas(only) !== want) await scaleReplicaSet(ctx, w, only, want);
    return;
  }
  if (saturated(d, newRS)) {
    for (const rs of oldRSs.filter(isActiveSet)) await scaleReplicaSet(ctx, w, rs, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const active = [...oldRSs, ...(newRS ? [newRS] : [])].filter(isActiveSet);
  const allowed = want > 0 ? want + maxSurge(d) : 0;
  const toAdd = allowed - specTotal(active);
  const operation = toAdd > 0 ? 'up' : 'down';
  // Growing favours the largest (then newest) set, shrinking the largest (then oldest).
  active.sort((a, b) => rsSpecReplicas(b) - rsSpecReplicas(a) || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)));
  const sizes = new Map<KObject, number>();
  let added = 0;
  for (const rs of active) {
    const share = toAdd === 0 ? 0 : proportion(d, w, rs, toAdd, added);
    sizes.set(rs, rsSpecReplicas(rs) + share);
    added += share;
  }
  for (const [i, rs] of active.entries()) {
    let size = sizes.get(rs)!;
    if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
    await scaleReplicaSet(ctx, w, rs, size, toAdd === 0 ? undefined : operation);
  }
}

/** This set's share of `toAdd`: its size scaled from the total it was sized for to the total allowed now. */
function proportion(d: KObject, w: Working, rs: KObject, toAdd: number, added: number): number {
  const size = rsSpecReplicas(rs);
  if (size === 0) return 0;
  const want = replicasOf(d);
  let fraction: number;
  if (want === 0) fraction = -size;
  else {
    const annotated = maxReplicasOf(rs) ?? w.status.replicas ?? 0;
    fraction = annotated === 0 ? 0 : Math.round((size * (want + maxSurge(d))) / annotated) - size;
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}
