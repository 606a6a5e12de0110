// Deployment: a ReplicaSet per pod template, rolled from old to new by the strategy. The reconcile
// reads the Deployment, claims its ReplicaSets, then either only scales (paused, or spec.replicas
// changed) or takes one step of the rollout; status and conditions are written last.
import { getIfExists, type Client } from '../../../client/types.js';
import { createEventRecorder } from '../../../client/events.js';
import { runController, type ReconcileResult, type RunningController } from '../../runtime/run-controller.js';
import { claimObjects, ownerKeyOf } from '../controller-ref.js';
import { splitKey } from '../keys.js';
import { deploymentsType, podsType, replicaSetsType } from '../resources.js';
import { selectorOf } from '../selector.js';
import { writeStatus } from '../status-write.js';
import { cleanupOldReplicaSets } from './cleanup.js';
import { getCondition, newCondition, reasons, setCondition } from './conditions.js';
import type { DeploymentContext, Working } from './context.js';
import { progressDeadlineSeconds, specOf } from './limits.js';
import { rolloutRecreate } from './recreate.js';
import { syncRevision } from './replica-sets.js';
import { rolloutRolling } from './rolling.js';
import { isScalingEvent, scaleDeployment } from './scale.js';
import { syncDeploymentStatus } from './status.js';
import type { DeploymentStatus } from 'kubernetes-types/apps/v1.js';

export interface DeploymentControllerOptions {
  client: Client;
  now?: () => Date;
  onError?(key: string, err: unknown): void;
}

export async function runDeploymentController(o: DeploymentControllerOptions, signal: AbortSignal): Promise<RunningController> {
  const ctx: DeploymentContext = { client: o.client, events: createEventRecorder(o.client, { component: 'deployment-controller' }), now: o.now ?? (() => new Date()) };
  return runController(
    {
      name: 'deployment',
      client: o.client,
      for: deploymentsType,
      watches: [{ type: replicaSetsType, keyOf: ownerKeyOf('Deployment') }],
      reconcile: (key) => reconcileDeployment(ctx, key),
      onError: o.onError,
    },
    signal,
  );
}

export async function reconcileDeployment(ctx: DeploymentContext, key: string): Promise<ReconcileResult | void> {
  const { namespace, name } = splitKey(key);
  const stored = await getIfExists(ctx.client, deploymentsType, namespace, name);
  if (!stored) return;
  const w: Working = { d: structuredClone(stored), status: structuredClone((stored.status ?? {}) as DeploymentStatus) };
  const matches = selectorOf(specOf(w.d).selector);
  const candidates = (await ctx.client.list(replicaSetsType, { namespace })).items;
  const rss = await claimObjects({ client: ctx.client, type: replicaSetsType, owner: w.d, objects: candidates, matches: (rs) => matches(rs.metadata.labels) });

  if (w.d.metadata.deletionTimestamp) {
    const { newRS, oldRSs } = await syncRevision(ctx, w, rss, false);
    return syncDeploymentStatus(ctx, w, [...oldRSs, ...(newRS ? [newRS] : [])], newRS);
  }
  await checkPaused(ctx, w);
  if (specOf(w.d).paused || isScalingEvent(w.d, rss)) {
    const { newRS, oldRSs } = await syncRevision(ctx, w, rss, false);
    await scaleDeployment(ctx, w, newRS, oldRSs);
    if (specOf(w.d).paused) await cleanupOldReplicaSets(ctx, w, oldRSs);
    return syncDeploymentStatus(ctx, w, [...oldRSs, ...(newRS ? [newRS] : [])], newRS);
  }
  if (specOf(w.d).strategy?.type === 'Recreate') {
    const pods = (await ctx.client.list(podsType, { namespace })).items;
    return rolloutRecreate(ctx, w, rss, pods);
  }
  return rolloutRolling(ctx, w, rss);
}

/** Pausing and resuming show in the Progressing condition, so a long pause is not taken for a stalled rollout. */
async function checkPaused(ctx: DeploymentContext, w: Working): Promise<void> {
  if (progressDeadlineSeconds(w.d) === undefined) return;
  const cond = getCondition(w.status, 'Progressing');
  if (cond?.reason === reasons.timedOut) return;
  const pausedShown = cond?.reason === reasons.paused;
  const paused = specOf(w.d).paused === true;
  if (paused === pausedShown) return;
  const next = paused
    ? newCondition('Progressing', 'Unknown', reasons.paused, 'Deployment is paused', ctx.now())
    : newCondition('Progressing', 'Unknown', reasons.resumed, 'Deployment is resumed', ctx.now());
  setCondition(w.status, next);
  await writeStatus(ctx.client, deploymentsType, w.d, w.status);
  w.d.status = structuredClone(w.status);
}
