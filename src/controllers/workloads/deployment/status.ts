// The status kubectl reads (`rollout status` waits on updatedReplicas, replicas, availableReplicas
// and the Progressing condition) and the progress deadline.
import type { DeploymentStatus, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { KObject } from '../../../registry/types.js';
import { canonical } from '../../../registry/validation/common.js';
import type { ReconcileResult } from '../../runtime/run-controller.js';
import { deploymentsType } from '../resources.js';
import { writeStatus } from '../status-write.js';
import { getCondition, newCondition, quote, reasons, removeCondition, setCondition } from './conditions.js';
import type { DeploymentContext, Working } from './context.js';
import { maxUnavailable, progressDeadlineSeconds, replicasOf } from './limits.js';
import { reportedAvailableTotal, readyTotal, specTotal, statusTotal } from './replica-set-counts.js';

/** Counts and the Available condition from the ReplicaSets; other conditions carried over. */
export function calculateStatus(ctx: DeploymentContext, w: Working, all: KObject[], newRS: KObject | undefined): DeploymentStatus {
  const available = reportedAvailableTotal(all);
  const status: DeploymentStatus = {
    observedGeneration: w.d.metadata.generation,
    replicas: statusTotal(all),
    updatedReplicas: newRS ? ((newRS.status ?? {}) as ReplicaSetStatus).replicas ?? 0 : 0,
    readyReplicas: readyTotal(all),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specTotal(all) - available),
    ...(w.status.collisionCount !== undefined ? { collisionCount: w.status.collisionCount } : {}),
    ...(w.status.conditions ? { conditions: [...w.status.conditions] } : {}),
  };
  if (available >= replicasOf(w.d) - maxUnavailable(w.d)) {
    setCondition(status, newCondition('Available', 'True', reasons.minimumAvailable, 'Deployment has minimum availability.', ctx.now()));
  } else {
    setCondition(status, newCondition('Available', 'False', reasons.minimumUnavailable, 'Deployment does not have minimum availability.', ctx.now()));
  }
  return status;
}

export function deploymentComplete(d: KObject, s: DeploymentStatus): boolean {
  const want = replicasOf(d);
  return s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** Any step forward since the last status: more updated, fewer old, more ready or more available. */
function deploymentProgressing(prev: DeploymentStatus, next: DeploymentStatus): boolean {
  const old = (s: DeploymentStatus) => (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (next.updatedReplicas ?? 0) > (prev.updatedReplicas ?? 0)
    || old(next) < old(prev)
    || (next.readyReplicas ?? 0) > (prev.readyReplicas ?? 0)
    || (next.availableReplicas ?? 0) > (prev.availableReplicas ?? 0);
}

function timedOut(d: KObject, s: DeploymentStatus, now: Date): boolean {
  const deadline = progressDeadlineSeconds(d);
  const cond = getCondition(s, 'Progressing');
  if (deadline === undefined || !cond || cond.reason === reasons.newRSAvailable) return false;
  if (cond.reason === reasons.timedOut) return true;
  return Date.parse(cond.lastUpdateTime ?? '') + deadline * 1000 < now.getTime();
}

/** Writes the status without judging progress (paused Deployments, scaling, deletion). */
export async function syncDeploymentStatus(ctx: DeploymentContext, w: Working, all: KObject[], newRS: KObject | undefined): Promise<void> {
  const status = calculateStatus(ctx, w, all, newRS);
  await writeIfChanged(ctx, w, status);
}

/** Writes the status and judges the rollout's progress; returns when to look again for the deadline. */
export async function syncRolloutStatus(ctx: DeploymentContext, w: Working, all: KObject[], newRS: KObject | undefined): Promise<ReconcileResult | void> {
  const now = ctx.now();
  const next = calculateStatus(ctx, w, all, newRS);
  const deadline = progressDeadlineSeconds(w.d);
  if (deadline === undefined) removeCondition(next, 'Progressing');
  const current = getCondition(w.status, 'Progressing');
  const complete = next.replicas === next.updatedReplicas && current?.reason === reasons.newRSAvailable;
  if (deadline !== undefined && !complete) {
    if (deploymentComplete(w.d, next)) {
      const msg = newRS ? `ReplicaSet ${quote(newRS.metadata.name)} has successfully progressed.` : 'Deployment has successfully progressed.';
      setCondition(next, newCondition('Progressing', 'True', reasons.newRSAvailable, msg, now));
    } else if (deploymentProgressing(w.status, next)) {
      const msg = newRS ? `ReplicaSet ${quote(newRS.metadata.name)} is progressing.` : 'Deployment is progressing.';
      const cond = newCondition('Progressing', 'True', reasons.rsUpdated, msg, now);
      // Progress refreshes lastUpdateTime even when the reason stays the same: that restarts the deadline.
      if (current?.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
      removeCondition(next, 'Progressing');
      setCondition(next, cond);
    } else if (timedOut(w.d, next, now)) {
      const msg = newRS ? `ReplicaSet ${quote(newRS.metadata.name)} has timed out progressing.` : 'Deployment has timed out progressing.';
      setCondition(next, newCondition('Progressing', 'False', reasons.timedOut, msg, now));
    }
  }
  const failure = replicaFailure(all, newRS);
  if (failure) setCondition(next, failure);
  else removeCondition(next, 'ReplicaFailure');
  await writeIfChanged(ctx, w, next);
  return requeueForDeadline(w.d, next, now);
}

/** A ReplicaSet that cannot create its pods explains why the rollout is stuck. */
function replicaFailure(all: KObject[], newRS: KObject | undefined): ReturnType<typeof newCondition> | undefined {
  const sets = newRS ? [newRS, ...all.filter((rs) => rs !== newRS)] : all;
  for (const rs of sets) {
    const cond = ((rs.status ?? {}) as ReplicaSetStatus).conditions?.find((c) => c.type === 'ReplicaFailure');
    if (cond) return { type: 'ReplicaFailure', status: cond.status, reason: cond.reason, message: cond.message, lastUpdateTime: cond.lastTransitionTime, lastTransitionTime: cond.lastTransitionTime };
  }
  return undefined;
}

/** Nothing else happens when a rollout stalls: look again when its deadline passes. */
function requeueForDeadline(d: KObject, s: DeploymentStatus, now: Date): ReconcileResult | void {
  const deadline = progressDeadlineSeconds(d);
  const cond = getCondition(s, 'Progressing');
  if (deadline === undefined || !cond || cond.reason === reasons.newRSAvailable || cond.reason === reasons.timedOut) return;
  if (cond.reason === reasons.paused) return;
  const at = Date.parse(cond.lastUpdateTime ?? '') + deadline * 1000;
  if (Number.isNaN(at)) return;
  return { requeueAfterMs: Math.max(0, at - now.getTime()) + 1000 };
}

async function writeIfChanged(ctx: DeploymentContext, w: Working, next: DeploymentStatus): Promise<void> {
  if (canonical(next) === canonical(w.d.status ?? {})) return;
  await writeStatus(ctx.client, deploymentsType, w.d, next);
  w.status = next;
}
