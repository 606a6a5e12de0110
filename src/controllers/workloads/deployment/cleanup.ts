// revisionHistoryLimit: old ReplicaSets beyond the limit go, lowest revision first, but only
// ones that are fully scaled down and settled (they are what `kubectl rollout undo` goes back to).
import type { ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import { hasReason } from '../../../client/types.js';
import type { KObject } from '../../../registry/types.js';
import { replicaSetsType } from '../resources.js';
import { revisionOf } from './annotations.js';
import type { DeploymentContext, Working } from './context.js';
import { specOf } from './limits.js';
import { rsSpecReplicas } from './replica-set-counts.js';

export async function cleanupOldReplicaSets(ctx: DeploymentContext, w: Working, oldRSs: KObject[]): Promise<void> {
  const limit = specOf(w.d).revisionHistoryLimit;
  if (limit === undefined || limit === null || limit === 2147483647) return;
  const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const excess = alive.length - limit;
  if (excess <= 0) return;
  const byRevision = [...alive].sort((a, b) => revisionOf(a) - revisionOf(b) || (a.metadata.name! < b.metadata.name! ? -1 : 1));
  for (const rs of byRevision.slice(0, excess)) {
    const st = (rs.status ?? {}) as ReplicaSetStatus;
    if ((st.replicas ?? 0) !== 0 || rsSpecReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (st.observedGeneration ?? 0)) continue;
    try {
      await ctx.client.delete(replicaSetsType, rs.metadata.namespace, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } });
    } catch (err) {
      if (!hasReason(err, 'NotFound') && !hasReason(err, 'Conflict')) throw err;
    }
  }
}
