// StatefulSet: pods with stable names `<set>-<ordinal>`, each with its own claims made from
// volumeClaimTemplates, created and removed in order (OrderedReady) or all at once (Parallel),
// updated from the top ordinal down to the partition (plan.ts decides; this file acts and writes
// status). Claims outlive their pods: a replacement pod finds its data again. History is kept as
// ControllerRevisions (revisions.ts). Pods are read from the shared pod cache; a create that
// finds the name taken is simply waited out, so a stale cache cannot make twins.
import type { StatefulSetSpec, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import { getIfExists, hasReason, type Client, type ResourceType } from '../../../client/types.js';
import { createEventRecorder, type EventRecorder } from '../../../client/events.js';
import type { KObject } from '../../../registry/types.js';
import { runController, type ReconcileResult, type RunningController } from '../../runtime/run-controller.js';
import type { ObjectCache } from '../../runtime/object-cache.js';
import type { TokenBucket } from '../../runtime/token-bucket.js';
import { claimObjects, ownerKeyOf } from '../controller-ref.js';
import { splitKey } from '../keys.js';
import { messageOf, newPodCreationBudget, podCacheFor } from '../pod-control.js';
import { isReady, isTerminal, isTerminating, msUntilAvailable, podPhase } from '../pod-state.js';
import { podsType } from '../resources.js';
import { selectorOf } from '../selector.js';
import { writeStatus } from '../status-write.js';
import { claimsFor, ordinalOf, podFor, REVISION_LABEL } from './identity.js';
import { plan, type Action, type PodView } from './plan.js';
import { controllerRevisionsType, ensureRevisions, listRevisions, templateOfRevision, truncateHistory, type Revisions } from './revisions.js';

export const statefulSetsType: ResourceType = { group: 'apps', version: 'v1', resource: 'statefulsets' };
const claimsType: ResourceType = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };

export interface StatefulSetControllerOptions {
  client: Client;
  /** The pod cache shared with the other workload controllers; one of its own otherwise. */
  pods?: ObjectCache;
  podCreations?: TokenBucket;
  now?: () => Date;
  onError?(key: string, err: unknown): void;
}

interface Context {
  client: Client;
  pods: ObjectCache;
  events: EventRecorder;
  creations: TokenBucket;
  now: () => Date;
}

export async function runStatefulSetController(o: StatefulSetControllerOptions, signal: AbortSignal): Promise<RunningController> {
  const pods = await podCacheFor(o.client, o.pods, signal);
  const ctx: Context = {
    client: o.client,
    pods,
    events: createEventRecorder(o.client, { component: 'statefulset-controller' }),
    creations: o.podCreations ?? newPodCreationBudget(),
    now: o.now ?? (() => new Date()),
  };
  return runController(
    {
      name: 'statefulset',
      client: o.client,
      for: statefulSetsType,
      watches: [
        { cache: pods, keyOf: ownerKeyOf('StatefulSet') },
        { type: controllerRevisionsType, keyOf: ownerKeyOf('StatefulSet') },
      ],
      reconcile: (key) => reconcileStatefulSet(ctx, key),
      onError: o.onError,
    },
    signal,
  );
}

async function reconcileStatefulSet(ctx: Context, key: string): Promise<ReconcileResult | void> {
  const { namespace, name } = splitKey(key);
  const set = await getIfExists(ctx.client, statefulSetsType, namespace, name);
  if (!set) return;
  const spec = set.spec as StatefulSetSpec;
  const matches = selectorOf(spec.selector);
  const pods = await claimObjects({ client: ctx.client, type: podsType, owner: set, objects: ctx.pods.list(namespace), matches: (p) => matches(p.metadata.labels) });
  if (set.metadata.deletionTimestamp) return;
  const revs = await ensureRevisions(ctx.client, set, await listRevisions(ctx.client, set));

  const now = ctx.now();
  const minReady = spec.minReadySeconds ?? 0;
  const views: PodView[] = [];
  let soonest: number | undefined;
  for (const p of pods) {
    const ordinal = ordinalOf(name, p.metadata.name!);
    if (ordinal === undefined) continue;
    const wait = podPhase(p) === 'Running' ? msUntilAvailable(p, minReady, now) : undefined;
    if (wait !== undefined && wait > 0) soonest = Math.min(soonest ?? Infinity, wait);
    views.push({
      name: p.metadata.name!,
      ordinal,
      revision: p.metadata.labels?.[REVISION_LABEL] ?? '',
      terminating: isTerminating(p),
      finished: isTerminal(p),
      ready: podPhase(p) === 'Running' && isReady(p),
      healthy: !isTerminating(p) && wait === 0,
    });
  }
  const strategy = spec.updateStrategy ?? {};
  const actions = plan({
    start: spec.ordinals?.start ?? 0,
    replicas: spec.replicas ?? 1,
    ordered: (spec.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady',
    onDelete: strategy.type === 'OnDelete',
    partition: strategy.rollingUpdate?.partition ?? 0,
    currentRevision: revs.current.metadata.name!,
    updateRevision: revs.update.metadata.name!,
    pods: views,
  });
  const failures: unknown[] = [];
  await Promise.all(actions.map((a) => act(ctx, set, revs, pods, a).catch((err) => failures.push(err))));

  await writeStatus(ctx.client, statefulSetsType, set, statusOf(set, views, revs));
  const inUse = new Set(views.map((v) => v.revision));
  await truncateHistory(ctx.client, set, revs, inUse);
  if (failures.length) throw failures[0];
  if (soonest !== undefined) return { requeueAfterMs: soonest + 50 };
}

async function act(ctx: Context, set: KObject, revs: Revisions, pods: KObject[], a: Action): Promise<void> {
  const setName = set.metadata.name!;
  if (a.kind === 'delete') {
    const pod = pods.find((p) => p.metadata.name === a.pod.name)!;
    try {
      await ctx.client.delete(podsType, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
      ctx.events.normal(set, 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${setName} successful`);
    } catch (err) {
      if (hasReason(err, 'NotFound') || hasReason(err, 'Conflict')) return;
      ctx.events.warning(set, 'FailedDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${setName} failed error: ${messageOf(err)}`);
      throw err;
    }
    return;
  }
  const podName = `${setName}-${a.ordinal}`;
  // Claims first: a pod must never start without the storage it was promised.
  for (const claim of claimsFor(set, a.ordinal)) {
    const there = await getIfExists(ctx.client, claimsType, claim.metadata.namespace, claim.metadata.name!);
    if (there) {
      if (there.metadata.deletionTimestamp) throw new Error(`pvc ${claim.metadata.name} is being deleted`);
      continue;
    }
    try {
      await ctx.client.create(claimsType, claim);
      ctx.events.normal(set, 'SuccessfulCreate', `create Claim ${claim.metadata.name} Pod ${podName} in StatefulSet ${setName} success`);
    } catch (err) {
      if (hasReason(err, 'AlreadyExists')) continue;
      ctx.events.warning(set, 'FailedCreate', `create Claim ${claim.metadata.name} for Pod ${podName} in StatefulSet ${setName} failed error: ${messageOf(err)}`);
      throw err;
    }
  }
  const revision = a.revision === revs.update.metadata.name ? revs.update : revs.current;
  await ctx.creations.take();
  try {
    await ctx.client.create(podsType, podFor(set, templateOfRevision(revision), a.ordinal, revision.metadata.name!));
    ctx.events.normal(set, 'SuccessfulCreate', `create Pod ${podName} in StatefulSet ${setName} successful`);
  } catch (err) {
    // The name is taken: the pod exists already and the cache has not shown it yet.
    if (hasReason(err, 'AlreadyExists')) return;
    if (hasReason(err, 'Forbidden') && /being terminated/.test(messageOf(err))) return;
    ctx.events.warning(set, 'FailedCreate', `create Pod ${podName} in StatefulSet ${setName} failed error: ${messageOf(err)}`);
    throw err;
  }
}

function statusOf(set: KObject, views: PodView[], revs: Revisions): StatefulSetStatus {
  const spec = set.spec as StatefulSetSpec;
  const prev = (set.status ?? {}) as StatefulSetStatus;
  const counted = views.filter((v) => !v.terminating);
  const status: StatefulSetStatus = {
    observedGeneration: set.metadata.generation,
    replicas: counted.length,
    readyReplicas: counted.filter((v) => v.ready).length,
    currentReplicas: counted.filter((v) => v.revision === revs.current.metadata.name).length,
    updatedReplicas: counted.filter((v) => v.revision === revs.update.metadata.name).length,
    availableReplicas: counted.filter((v) => v.healthy).length,
    currentRevision: revs.current.metadata.name,
    updateRevision: revs.update.metadata.name,
    collisionCount: revs.collisionCount,
    ...(prev.conditions ? { conditions: prev.conditions } : {}),
  };
  // The rollout is complete once every wanted pod is ready on the new revision.
  const replicas = spec.replicas ?? 1;
  if (status.updatedReplicas === replicas && status.readyReplicas === replicas && status.replicas === replicas) {
    status.currentRevision = status.updateRevision;
    status.currentReplicas = status.updatedReplicas;
  }
  return status;
}
