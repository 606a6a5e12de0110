// The Deployment's ReplicaSets: which one is current (its template equals the Deployment's, the
// pod-template-hash label aside), creating it when a rollout needs it, keeping revisions in step,
// and scaling one with the ScalingReplicaSet event.
import type { ReplicaSetSpec } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { hasReason } from '../../../client/types.js';
import type { KObject } from '../../../registry/types.js';
import { semanticEqual } from '../../../registry/validation/common.js';
import { controllerRefOf, controllerRefTo } from '../controller-ref.js';
import { messageOf } from '../pod-control.js';
import { deploymentsType, replicaSetsType } from '../resources.js';
import { writeStatus } from '../status-write.js';
import { templateHash } from '../template-hash.js';
import { maxRevision, REVISION, replicasAnnotationsNeedUpdate, setNewReplicaSetAnnotations, setReplicasAnnotations } from './annotations.js';
import { getCondition, newCondition, quote, reasons, setCondition } from './conditions.js';
import type { DeploymentContext, Working } from './context.js';
import { maxSurge, progressDeadlineSeconds, replicasOf, specOf } from './limits.js';
import { byCreation, podTotal, rsSpecReplicas } from './replica-set-counts.js';

export const POD_TEMPLATE_HASH = 'pod-template-hash';

function withoutHash(t: PodTemplateSpec | undefined): PodTemplateSpec {
  const copy = structuredClone(t ?? {});
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH];
  return copy;
}

export const equalIgnoringHash = (a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean => semanticEqual(withoutHash(a), withoutHash(b));

/** The oldest ReplicaSet whose template is the Deployment's, if any. */
export function findNewReplicaSet(d: KObject, rss: KObject[]): KObject | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoringHash((rs.spec as ReplicaSetSpec).template, specOf(d).template));
}

/** How big the current set may grow now: all the way under Recreate; under RollingUpdate as far as maxSurge allows. */
export function newReplicaSetReplicas(d: KObject, all: KObject[], newRS: KObject): number {
  const want = replicasOf(d);
  const current = rsSpecReplicas(newRS);
  if (specOf(d).strategy?.type === 'Recreate') return want;
  const room = want + maxSurge(d) - podTotal(all);
  if (room <= 0) return current;
  return current + Math.min(room, want - current);
}

export interface ReplicaSets {
  newRS: KObject | undefined;
  oldRSs: KObject[];
}

/**
 * The current and old sets, with the current one's revision raised above every old one and the
 * Deployment's revision annotation following it. With `create`, a missing current set is created.
 */
export async function syncRevision(ctx: DeploymentContext, w: Working, rss: KObject[], create: boolean): Promise<ReplicaSets> {
  const existing = findNewReplicaSet(w.d, rss);
  const oldRSs = rss.filter((rs) => rs !== existing);
  const revision = maxRevision(oldRSs) + 1;
  const desired = replicasOf(w.d);
  const max = desired + maxSurge(w.d);
  if (existing) {
    const copy = structuredClone(existing);
    const annotationsChanged = setNewReplicaSetAnnotations({ deployment: w.d, rs: copy, revision, exists: true, desired, max });
    const minReady = specOf(w.d).minReadySeconds ?? 0;
    if (annotationsChanged || ((copy.spec as ReplicaSetSpec).minReadySeconds ?? 0) !== minReady) {
      (copy.spec as ReplicaSetSpec).minReadySeconds = minReady;
      return { newRS: await ctx.client.update(replicaSetsType, copy), oldRSs };
    }
    await setDeploymentRevision(ctx, w, copy.metadata.annotations?.[REVISION]);
    if (progressDeadlineSeconds(w.d) !== undefined && !getCondition(w.status, 'Progressing')) {
      setCondition(w.status, newCondition('Progressing', 'True', reasons.foundNewRS, `Found new replica set ${quote(copy.metadata.name)}`, ctx.now()));
    }
    return { newRS: copy, oldRSs };
  }
  if (!create) return { newRS: undefined, oldRSs };
  const created = await createNewReplicaSet(ctx, w, oldRSs, revision);
  await setDeploymentRevision(ctx, w, String(revision));
  return { newRS: created, oldRSs };
}

async function createNewReplicaSet(ctx: DeploymentContext, w: Working, oldRSs: KObject[], revision: number): Promise<KObject> {
  const d = w.d;
  const hash = templateHash(specOf(d).template, w.status.collisionCount ?? 0);
  const template = structuredClone(specOf(d).template ?? {}) as PodTemplateSpec;
  template.metadata ??= {};
  template.metadata.labels = { ...(template.metadata.labels ?? {}), [POD_TEMPLATE_HASH]: hash };
  const selector = structuredClone(specOf(d).selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
  const rs: KObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace, labels: { ...template.metadata.labels }, ownerReferences: [controllerRefTo(d)] },
    spec: { replicas: 0, minReadySeconds: specOf(d).minReadySeconds ?? 0, selector, template },
  };
  const replicas = newReplicaSetReplicas(d, [...oldRSs, rs], rs);
  (rs.spec as ReplicaSetSpec).replicas = replicas;
  const desired = replicasOf(d);
  setNewReplicaSetAnnotations({ deployment: d, rs, revision, exists: false, desired, max: desired + maxSurge(d) });
  let created: KObject;
  try {
    created = await ctx.client.create(replicaSetsType, rs);
  } catch (err) {
    if (hasReason(err, 'AlreadyExists')) {
      const found = await ctx.client.get(replicaSetsType, d.metadata.namespace, rs.metadata.name!);
      // Ours from a reconcile whose answer we missed: carry on with it.
      if (controllerRefOf(found)?.uid === d.metadata.uid && equalIgnoringHash((found.spec as ReplicaSetSpec).template, specOf(d).template)) return found;
      // A stranger holds the name: the next hash mixes in a higher collision count.
      w.status.collisionCount = (w.status.collisionCount ?? 0) + 1;
      await writeStatus(ctx.client, deploymentsType, d, w.status);
      throw err;
    }
    const msg = `Failed to create new replica set ${quote(rs.metadata.name)}: ${messageOf(err)}`;
    ctx.events.warning(d, reasons.failedRSCreate, msg);
    if (progressDeadlineSeconds(d) !== undefined) {
      setCondition(w.status, newCondition('Progressing', 'False', reasons.failedRSCreate, msg, ctx.now()));
      await writeStatus(ctx.client, deploymentsType, d, w.status);
    }
    throw err;
  }
  if (replicas > 0) ctx.events.normal(d, 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`);
  if (progressDeadlineSeconds(d) !== undefined) {
    setCondition(w.status, newCondition('Progressing', 'True', reasons.newRSCreated, `Created new replica set ${quote(created.metadata.name)}`, ctx.now()));
  }
  return created;
}

/** The Deployment's revision annotation is metadata, written through the main resource (it does not bump the generation). */
async function setDeploymentRevision(ctx: DeploymentContext, w: Working, revision: string | undefined): Promise<void> {
  if (revision === undefined || w.d.metadata.annotations?.[REVISION] === revision) return;
  const m = w.d.metadata;
  const patched = await ctx.client.patch(deploymentsType, m.namespace, m.name!, { type: 'merge', body: { metadata: { annotations: { [REVISION]: revision } } } });
  w.d.metadata.annotations = patched.metadata.annotations;
  w.d.metadata.resourceVersion = patched.metadata.resourceVersion;
}

/**
 * Sets a set's size (and the replica annotations proportional scaling reads); the event says
 * "Scaled up|down replica set <name> from <old> to <new>". Returns the stored set and whether the size changed.
 */
export async function scaleReplicaSet(ctx: DeploymentContext, w: Working, rs: KObject, size: number, operation?: 'up' | 'down'): Promise<{ rs: KObject; scaled: boolean }> {
  const old = rsSpecReplicas(rs);
  const desired = replicasOf(w.d);
  const max = desired + maxSurge(w.d);
  const sizeChanges = old !== size;
  if (!sizeChanges && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { rs, scaled: false };
  const copy = structuredClone(rs);
  (copy.spec as ReplicaSetSpec).replicas = size;
  setReplicasAnnotations(copy, desired, max);
  const stored = await ctx.client.update(replicaSetsType, copy);
  if (sizeChanges) {
    const verb = operation ?? (old < size ? 'up' : 'down');
    ctx.events.normal(w.d, 'ScalingReplicaSet', `Scaled ${verb} replica set ${stored.metadata.name} from ${old} to ${size}`);
  }
  return { rs: stored, scaled: sizeChanges };
}
