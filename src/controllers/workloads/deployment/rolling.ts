// RollingUpdate: grow the current set while total pods stay within replicas + maxSurge, shrink old
// sets while available pods stay at or above replicas - maxUnavailable. Each pass takes one step;
// the ReplicaSets' status changes bring the next pass.
import type { KObject } from '../../../registry/types.js';
import type { ReconcileResult } from '../../runtime/run-controller.js';
import { cleanupOldReplicaSets } from './cleanup.js';
import type { DeploymentContext, Working } from './context.js';
import { maxUnavailable, replicasOf } from './limits.js';
import { availableTotal, byCreation, isActiveSet, rsAvailable, rsSpecReplicas, specTotal } from './replica-set-counts.js';
import { newReplicaSetReplicas, scaleReplicaSet, syncRevision } from './replica-sets.js';
import { deploymentComplete, syncRolloutStatus } from './status.js';

export async function rolloutRolling(ctx: DeploymentContext, w: Working, rss: KObject[]): Promise<ReconcileResult | void> {
  const { newRS, oldRSs } = await syncRevision(ctx, w, rss, true);
  const all = [...oldRSs, ...(newRS ? [newRS] : [])];
  if (newRS && (await scaleUpNew(ctx, w, all, newRS))) return syncRolloutStatus(ctx, w, all, newRS);
  if (await scaleDownOld(ctx, w, all, oldRSs.filter(isActiveSet), newRS)) return syncRolloutStatus(ctx, w, all, newRS);
  if (deploymentComplete(w.d, w.status)) await cleanupOldReplicaSets(ctx, w, oldRSs);
  return syncRolloutStatus(ctx, w, all, newRS);
}

async function scaleUpNew(ctx: DeploymentContext, w: Working, all: KObject[], newRS: KObject): Promise<boolean> {
  const want = replicasOf(w.d);
  const current = rsSpecReplicas(newRS);
  if (current === want) return false;
  if (current > want) return (await scaleReplicaSet(ctx, w, newRS, want)).scaled;
  return (await scaleReplicaSet(ctx, w, newRS, newReplicaSetReplicas(w.d, all, newRS))).scaled;
}

async function scaleDownOld(ctx: DeploymentContext, w: Working, all: KObject[], oldRSs: KObject[], newRS: KObject | undefined): Promise<boolean> {
  if (specTotal(oldRSs) === 0) return false;
  const minAvailable = replicasOf(w.d) - maxUnavailable(w.d);
  const newUnavailable = newRS ? rsSpecReplicas(newRS) - rsAvailable(newRS) : 0;
  const maxScaledDown = specTotal(all) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  // Sets with pods that never became available go first: losing those costs no availability.
  let budget = maxScaledDown;
  let total = 0;
  const remaining: KObject[] = [];
  for (const rs of [...oldRSs].sort(byCreation)) {
    const size = rsSpecReplicas(rs);
    const unhealthy = size - rsAvailable(rs);
    if (size === 0 || unhealthy === 0 || budget === 0) {
      remaining.push(rs);
      continue;
    }
    const cut = Math.min(budget, unhealthy);
    const { rs: stored } = await scaleReplicaSet(ctx, w, rs, size - cut);
    budget -= cut;
    total += cut;
    remaining.push(stored);
  }
  const others = all.filter((rs) => !oldRSs.includes(rs));
  total += await scaleDownAvailable(ctx, w, [...others, ...remaining], remaining);
  return total > 0;
}

/** Old sets shrink, oldest first, by as many available pods as exceed the minimum. */
async function scaleDownAvailable(ctx: DeploymentContext, w: Working, all: KObject[], oldRSs: KObject[]): Promise<number> {
  const minAvailable = replicasOf(w.d) - maxUnavailable(w.d);
  const available = availableTotal(all);
  if (available <= minAvailable) return 0;
  const wanted = available - minAvailable;
  let done = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (done >= wanted) break;
    const size = rsSpecReplicas(rs);
    if (size === 0) continue;
    const cut = Math.min(size, wanted - done);
    await scaleReplicaSet(ctx, w, rs, size - cut);
    done += cut;
  }
  return done;
}
