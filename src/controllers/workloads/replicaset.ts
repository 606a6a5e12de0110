// ReplicaSet: keeps spec.replicas active pods that match the selector. Pods it creates carry the
// template's labels and a controller reference; orphans that match are adopted, its own pods that
// stop matching are released. A pod that is terminating or finished no longer counts, so its
// replacement is created at once.
import type { ReplicaSetCondition, ReplicaSetSpec, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import { getIfExists, type Client } from '../../client/types.js';
import { createEventRecorder, type EventRecorder } from '../../client/events.js';
import type { KObject } from '../../registry/types.js';
import { runController, type ReconcileResult, type RunningController } from '../runtime/run-controller.js';
import { claimObjects, controllerRefOf, ownerKeyOf } from './controller-ref.js';
import { createOwnedPod, deleteOwnedPod, podFromTemplate } from './pod-control.js';
import { isActive, isReady, msUntilAvailable } from './pod-state.js';
import { rankForDeletion } from './pod-ranking.js';
import { podsType, replicaSetsType } from './resources.js';
import { selectorOf } from './selector.js';
import { slowStartBatch } from './slow-start.js';
import { setCondition, timestamp, writeStatus } from './status-write.js';
import { splitKey } from './keys.js';

export interface ReplicaSetControllerOptions {
  client: Client;
  /** Most pods created or deleted in one pass (upstream's burstReplicas). */
  burst?: number;
  now?: () => Date;
  onError?(key: string, err: unknown): void;
}

interface Context {
  client: Client;
  events: EventRecorder;
  burst: number;
  now: () => Date;
}

export async function runReplicaSetController(o: ReplicaSetControllerOptions, signal: AbortSignal): Promise<RunningController> {
  const ctx: Context = {
    client: o.client,
    events: createEventRecorder(o.client, { component: 'replicaset-controller' }),
    burst: o.burst ?? 500,
    now: o.now ?? (() => new Date()),
  };
  return runController(
    {
      name: 'replicaset',
      client: o.client,
      for: replicaSetsType,
      watches: [{ type: podsType, keyOf: ownerKeyOf('ReplicaSet') }],
      reconcile: (key) => reconcileReplicaSet(ctx, key),
      onError: o.onError,
    },
    signal,
  );
}

async function reconcileReplicaSet(ctx: Context, key: string): Promise<ReconcileResult | void> {
  const { namespace, name } = splitKey(key);
  const rs = await getIfExists(ctx.client, replicaSetsType, namespace, name);
  if (!rs) return;
  const spec = rs.spec as ReplicaSetSpec;
  const matches = selectorOf(spec.selector);
  const list = async () => (await ctx.client.list(podsType, { namespace })).items.filter(isActive);
  let pods = await claimObjects({ client: ctx.client, type: podsType, owner: rs, objects: await list(), matches: (p) => matches(p.metadata.labels) });

  let manageError: unknown;
  let failedVerb: 'FailedCreate' | 'FailedDelete' | undefined;
  const diff = pods.length - (spec.replicas ?? 1);
  if (!rs.metadata.deletionTimestamp && diff !== 0) {
    manageError = diff < 0 ? await createPods(ctx, rs, Math.min(-diff, ctx.burst)) : await deletePods(ctx, rs, pods, Math.min(diff, ctx.burst));
    if (manageError) failedVerb = diff < 0 ? 'FailedCreate' : 'FailedDelete';
    const uid = rs.metadata.uid;
    pods = (await list()).filter((p) => controllerRefOf(p)?.uid === uid);
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
  await writeStatus(ctx.client, replicaSetsType, rs, status);
  if (manageError) throw manageError;
  // Nothing announces the moment a ready pod has been ready for minReadySeconds: look again then.
  if (soonestAvailableMs !== undefined) return { requeueAfterMs: soonestAvailableMs + 50 };
}

async function createPods(ctx: Context, rs: KObject, count: number): Promise<unknown> {
  const template = (rs.spec as ReplicaSetSpec).template;
  const result = await slowStartBatch(count, async () => {
    await createOwnedPod(ctx.client, ctx.events, rs, podFromTemplate(rs, template, { generateName: `${rs.metadata.name}-` }));
  });
  return result.error;
}

async function deletePods(ctx: Context, rs: KObject, pods: KObject[], count: number): Promise<unknown> {
  const doomed = rankForDeletion(pods).slice(0, count);
  const results = await Promise.allSettled(doomed.map((p) => deleteOwnedPod(ctx.client, ctx.events, rs, p)));
  return results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
}
