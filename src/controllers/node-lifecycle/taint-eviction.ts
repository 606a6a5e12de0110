// Taint eviction: a pod on a Node with NoExecute taints it does not tolerate is deleted at once; one
// that tolerates them for tolerationSeconds is deleted when that time has passed since the taint
// was added; one that tolerates them without a limit stays. A taint removed in time cancels the
// eviction. Deletion is an ordinary graceful delete, so the kubelet still stops the pod cleanly.
import type { Pod, PodCondition, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { createEventRecorder } from '../../client/events.js';
import { hasReason, type Client, type ResourceType } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { runController, type ReconcileResult, type RunningController } from '../runtime/run-controller.js';
import { startObjectCache } from '../runtime/object-cache.js';
import { tolerates } from './taints.js';

const nodes: ResourceType = { group: '', version: 'v1', resource: 'nodes' };
const pods: ResourceType = { group: '', version: 'v1', resource: 'pods' };

export interface TaintEvictionOptions {
  client: Client;
  onError?(key: string, err: unknown): void;
}

/**
 * When a pod must go, in ms since the epoch: now for a taint it does not tolerate, never (undefined)
 * when it tolerates every taint without a limit. As upstream, the first toleration matching each
 * taint counts, and the shortest tolerationSeconds among them decides, counted from the earliest
 * time a taint was added.
 */
export function evictionTime(taints: Taint[], tolerations: Toleration[], now: number): number | undefined {
  if (taints.length === 0) return undefined;
  let seconds: number | undefined;
  for (const taint of taints) {
    const match = tolerations.find((t) => tolerates(t, taint));
    if (!match) return now;
    const s = match.tolerationSeconds;
    if (typeof s === 'number') seconds = Math.min(seconds ?? Infinity, Math.max(0, s));
  }
  if (seconds === undefined) return undefined;
  const added = taints.map((t) => (t.timeAdded ? Date.parse(t.timeAdded) : NaN)).filter((t) => !Number.isNaN(t));
  const since = added.length ? Math.min(...added) : now;
  return since + seconds * 1000;
}

const podKey = (pod: KObject) => `${pod.metadata.namespace}/${pod.metadata.name}`;

export async function runTaintEviction(o: TaintEvictionOptions, signal: AbortSignal): Promise<RunningController> {
  const recorder = createEventRecorder(o.client, { component: 'taint-eviction-controller' });
  /** Pods with an eviction pending, per node, to tell when one is cancelled. */
  const pending = new Map<string, Map<string, KObject>>();
  const podCache = await startObjectCache({ client: o.client, type: pods, onError: (err) => o.onError?.('', err) }, signal);

  const markDisrupted = async (pod: KObject) => {
    const status = (pod.status ?? {}) as NonNullable<Pod['status']>;
    const conditions = ((status.conditions ?? []) as PodCondition[]).filter((c) => c.type !== 'DisruptionTarget');
    conditions.push({
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'DeletionByTaintManager',
      message: 'Taint manager: deleting due to NoExecute taint',
      lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    await o.client.update(pods, { ...structuredClone(pod), status: { ...status, conditions } }, { subresource: 'status' });
  };

  const evict = async (pod: KObject) => {
    try {
      await markDisrupted(pod);
    } catch (err) {
      if (hasReason(err, 'NotFound')) return;
      throw err; // a Conflict: the pod changed meanwhile, look again
    }
    recorder.normal(pod, 'TaintManagerEviction', `Marking for deletion Pod ${podKey(pod)}`);
    try {
      await o.client.delete(pods, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      // Gone already, or another pod of the same name now: nothing to evict.
      if (!hasReason(err, 'NotFound') && !hasReason(err, 'Conflict')) throw err;
    }
  };

  const reconcile = async (nodeName: string): Promise<ReconcileResult | void> => {
    let taints: Taint[] = [];
    try {
      const node = await o.client.get(nodes, undefined, nodeName);
      taints = ((node.spec as { taints?: Taint[] } | undefined)?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    } catch (err) {
      if (!hasReason(err, 'NotFound')) throw err;
    }
    const before = pending.get(nodeName) ?? new Map<string, KObject>();
    const now = new Map<string, KObject>();
    let next: number | undefined;
    if (taints.length > 0) {
      // From the cache: while a node is tainted every event of its pods brings us here, and a LIST
      // would read every pod of the cluster each time.
      for (const pod of podCache.list().filter((p) => (p.spec as Pod['spec'])?.nodeName === nodeName)) {
        if (pod.metadata.deletionTimestamp) continue;
        const at = evictionTime(taints, ((pod.spec as Pod['spec'])?.tolerations ?? []) as Toleration[], Date.now());
        if (at === undefined) continue;
        if (at <= Date.now()) {
          await evict(pod);
          continue;
        }
        now.set(podKey(pod), pod);
        next = Math.min(next ?? Infinity, at);
      }
    }
    for (const [key, pod] of before) {
      if (now.has(key)) continue;
      // No longer due: cancelled, unless the pod went (or was evicted just now) in the meantime.
      const still = await o.client.get(pods, pod.metadata.namespace, pod.metadata.name!).catch(() => undefined);
      if (still && still.metadata.uid === pod.metadata.uid && !still.metadata.deletionTimestamp) {
        recorder.normal(still, 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
      }
    }
    if (now.size > 0) pending.set(nodeName, now);
    else pending.delete(nodeName);
    if (next !== undefined) return { requeueAfterMs: Math.max(0, next - Date.now()) + 5 };
  };

  return runController(
    {
      name: 'taint-eviction',
      client: o.client,
      for: nodes,
      // A pod that lands on a tainted Node (or changes its tolerations) is judged at once.
      watches: [{ cache: podCache, keyOf: (pod) => (pod.spec as Pod['spec'])?.nodeName || undefined }],
      reconcile,
      onError: o.onError,
    },
    signal,
  );
}
