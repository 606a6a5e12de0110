// Recreate: every old pod goes before any new one starts.
import type { KObject } from '../../../registry/types.js';
import type { ReconcileResult } from '../../runtime/run-controller.js';
import { controllerRefOf } from '../controller-ref.js';
import { isTerminal } from '../pod-state.js';
import { cleanupOldReplicaSets } from './cleanup.js';
import type { DeploymentContext, Working } from './context.js';
import { replicasOf } from './limits.js';
import { isActiveSet, rsSpecReplicas, statusTotal } from './replica-set-counts.js';
import { scaleReplicaSet, syncRevision } from './replica-sets.js';
import { deploymentComplete, syncRolloutStatus } from './status.js';

export async function rolloutRecreate(ctx: DeploymentContext, w: Working, rss: KObject[], pods: KObject[]): Promise<ReconcileResult | void> {
  let { newRS, oldRSs } = await syncRevision(ctx, w, rss, false);
  let all = [...oldRSs, ...(newRS ? [newRS] : [])];
  let scaledDown = false;
  for (const rs of oldRSs.filter(isActiveSet)) {
    if ((await scaleReplicaSet(ctx, w, rs, 0)).scaled) scaledDown = true;
  }
  if (scaledDown) return syncRolloutStatus(ctx, w, all, newRS);
  if (oldPodsRunning(oldRSs, pods)) {
    const result = await syncRolloutStatus(ctx, w, all, newRS);
    // Terminating pods no longer change their ReplicaSet's status, so nothing would tell us they are gone.
    return statusTotal(oldRSs) === 0 ? { requeueAfterMs: Math.min(result?.requeueAfterMs ?? Infinity, 1000) } : result;
  }
  if (!newRS) {
    ({ newRS, oldRSs } = await syncRevision(ctx, w, rss, true));
    all = [...oldRSs, ...(newRS ? [newRS] : [])];
  }
  if (newRS && rsSpecReplicas(newRS) !== replicasOf(w.d)) await scaleReplicaSet(ctx, w, newRS, replicasOf(w.d));
  if (deploymentComplete(w.d, w.status)) await cleanupOldReplicaSets(ctx, w, oldRSs);
  return syncRolloutStatus(ctx, w, all, newRS);
}

/** Any pod of an old set that has not finished, terminating ones included. */
function oldPodsRunning(oldRSs: KObject[], pods: KObject[]): boolean {
  if (statusTotal(oldRSs) > 0) return true;
  const uids = new Set(oldRSs.map((rs) => rs.metadata.uid));
  return pods.some((p) => uids.has(controllerRefOf(p)?.uid) && !isTerminal(p));
}
