// ReplicaSet: keeps spec.replicas active pods that match the selector. Pods it creates carry the
// template's labels and a controller reference; orphans that match are adopted, its own pods that
// stop matching are released. A pod that is terminating or finished no longer counts, so its
// replacement is created at once. Pods are read from the shared pod cache; expectations keep a
// reconcile from acting on a cache that does not show its own creations and deletions yet.
import type { ReplicaSetCondition, ReplicaSetSpec, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import { getIfExists, type Client, type ResourceType } from '../../client/types.js';
import { createEventRecorder } from '../../client/events.js';
import type { KObject } from '../../registry/types.js';
import { runController, type ReconcileResult, type RunningController } from '../runtime/run-controller.js';
import { claimObjects, ownerKeyOf } from './controller-ref.js';
import { countOwnedPodEvents, createOwnedPod, deleteOwnedPod, newPodCreationBudget, podCacheFor, podFromTemplate, POD_BURST, type PodControl } from './pod-control.js';
import { Expectations } from './expectations.js';
import type { ObjectCache } from '../runtime/object-cache.js';
import type { TokenBucket } from '../runtime/token-bucket.js';
import { isActive, isReady, msUntilAvailable } from './pod-state.js';
import { rankForDeletion } from './pod-ranking.js';
import { podsType, replicaSetsType } from './resources.js';
import { selectorOf } from './selector.js';
import { slowStartBatch } from './slow-start.js';
import { setCondition, timestamp, writeStatus } from './status-write.js';
import { splitKey } from './keys.js';

export interface ReplicaSetControllerOptions {
  client: Client;
  /** The pod cache shared with the other workload controllers; one of its own otherwise. */
  pods?: ObjectCache;
  /** The pod creation budget shared with the other workload controllers. */
  podCreations?: TokenBucket;
  /** Most pods created or deleted in one pass (upstream's burstReplicas). */
  burst?: number;
  now?: () => Date;
  onError?(key: string, err: unknown): void;
  /** The kind kept: ReplicaSet unless told (a ReplicationController works the same way). */
  kind?: ReplicaKind;
}

/** What differs between the kinds this controller keeps: their resource and their selector's shape. */
export interface ReplicaKind {
  type: ResourceType;
  kind: string;
  /** The controller's name in queues and logs, and its event source. */
  name: string;
  component: string;
  matcher(spec: unknown): ReturnType<typeof selectorOf>;
}

const replicaSetKind: ReplicaKind = {
  type: replicaSetsType,
  kind: 'ReplicaSet',
  name: 'replicaset',
  component: 'replicaset-controller',
  matcher: (spec) => selectorOf((spec as ReplicaSetSpec).selector),
};

interface Context {
  kind: ReplicaKind;
  client: Client;
  control: PodControl;
  pods: ObjectCache;
  expectations: Expectations;
  burst: number;
  now: () => Date;
}

export async function runReplicaSetController(o: ReplicaSetControllerOptions, signal: AbortSignal): Promise<RunningController> {
  const pods = await podCacheFor(o.client, o.pods, signal);
  const expectations = new Expectations();
  const kind = o.kind ?? replicaSetKind;
  countOwnedPodEvents(pods, kind.kind, expectations, signal);
  const ctx: Context = {
    kind,
    client: o.client,
    control: { client: o.client, events: createEventRecorder(o.client, { component: kind.component }), creations: o.podCreations ?? newPodCreationBudget() },
    pods,
    expectations,
    burst: o.burst ?? POD_BURST,
    now: o.now ?? (() => new Date()),
  };
  return runController(
    {
      name: kind.name,
      client: o.client,
      for: kind.type,
      watches: [{ cache: pods, keyOf: ownerKeyOf(kind.kind) }],
      reconcile: (key) => reconcileReplicaSet(ctx, key),
      onError: o.onError,
    },
    signal,
  );
}

async function reconcileReplicaSet(ctx: Context, key: string): Promise<ReconcileResult | void> {
  const { namespace, name } = splitKey(key);
  const rs = await getIfExists(ctx.client, ctx.kind.type, namespace, name);
  if (!rs) {
    ctx.expectations.forget(key);
    return;
  }
  const spec = rs.spec as ReplicaSetSpec;
  const matches = ctx.kind.matcher(spec);
  const pods = await claimObjects({ client: ctx.client, type: podsType, owner: rs, objects: [...ctx.pods.controlledBy(rs.metadata.uid!).filter((p) => p.metadata.namespace === namespace), ...ctx.pods.orphans(namespace)].filter(isActive), matches: (p) => matches(p.metadata.labels) });

  let manageError: unknown;
  let failedVerb: 'FailedCreate' | 'FailedDelete' | undefined;
  const diff = pods.length - (spec.replicas ?? 1);
  // The pods' own events bring the key back once the cache shows what this pass did.
  if (!rs.metadata.deletionTimestamp && diff !== 0 && ctx.expectations.satisfied(key)) {
    manageError = diff < 0 ? await createPods(ctx, key, rs, Math.min(-diff, ctx.burst)) : await deletePods(ctx, key, rs, pods, Math.min(diff, ctx.burst));
    if (manageError) failedVerb = diff < 0 ? 'FailedCreate' : 'FailedDelete';
  }

  const now = ctx.now();
  const minReady = spec.minReadySeconds ?? 0;
  const templateLabels = Object.entries(spec.template?.metadata?.labels ?? {});
  let available = 0;
  let soonestAvailableMs: number | undefined;
  for (const p of pods) {
    const wait = msUntilAvailable(p, minReady, now);
    if (wait === 0) available++;
    else if (wait !== undefined) soonestAvailableMs = Math.min(soonestAvailableMs ?? Infinity, wait);
  }
  const prev = (rs.status ?? {}) as ReplicaSetStatus;
  let conditions = (prev.conditions ?? []) as ReplicaSetCondition[];
  if (manageError && !conditions.some((c) => c.type === 'ReplicaFailure')) {
    const message = manageError instanceof Error ? manageError.message : String(manageError);
    conditions = setCondition(conditions, { type: 'ReplicaFailure', status: 'True', reason: failedVerb, message, lastTransitionTime: timestamp(now) });
  } else if (!manageError) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  const status: ReplicaSetStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: pods.filter((p) => templateLabels.every(([k, v]) => p.metadata.labels?.[k] === v)).length,
    readyReplicas: pods.filter(isReady).length,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation,
    ...(conditions.length ? { conditions } : {}),
  };
  await writeStatus(ctx.client, ctx.kind.type, rs, status);
  if (manageError) throw manageError;
  // Nothing announces the moment a ready pod has been ready for minReadySeconds: look again then.
  if (soonestAvailableMs !== undefined) return { requeueAfterMs: soonestAvailableMs + 50 };
}

async function createPods(ctx: Context, key: string, rs: KObject, count: number): Promise<unknown> {
  const template = (rs.spec as ReplicaSetSpec).template;
  ctx.expectations.expectCreations(key, count);
  const result = await slowStartBatch(count, async () => {
    const created = await createOwnedPod(ctx.control, rs, podFromTemplate(rs, template, { generateName: `${rs.metadata.name}-` }));
    if (!created) ctx.expectations.creationObserved(key);
  });
  // Creations that failed, or were never tried after a failure, will never show up.
  ctx.expectations.creationObserved(key, count - result.succeeded);
  return result.error;
}

async function deletePods(ctx: Context, key: string, rs: KObject, pods: KObject[], count: number): Promise<unknown> {
  const doomed = rankForDeletion(pods).slice(0, count);
  ctx.expectations.expectDeletions(key, doomed.map((p) => p.metadata.uid!));
  const results = await Promise.allSettled(doomed.map((p) => deleteOwnedPod(ctx.control, rs, p)));
  results.forEach((r, i) => r.status === 'rejected' && ctx.expectations.deletionObserved(key, doomed[i]!.metadata.uid));
  return results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
}
