// Pod garbage collection: a pod bound to a Node that no longer exists has no kubelet to finish it,
// so once the Node has been gone for a while (40 s by default, in case it is only re-registering)
// the pod is marked Failed and force-deleted, terminating or not. (An unscheduled pod needs no help:
// the API server deletes it without a grace period.)
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { hasReason, type Client, type ResourceType } from '../client/types.js';
import type { KObject } from '../registry/types.js';

const nodes: ResourceType = { group: '', version: 'v1', resource: 'nodes' };
const pods: ResourceType = { group: '', version: 'v1', resource: 'pods' };

export interface PodGcOptions {
  client: Client;
  /** How long a pod's Node must have been missing before the pod goes (default 40 s). */
  orphanDelayMs?: number;
  /** How often pods are looked over (default 20 s, shorter when the delay is). */
  periodMs?: number;
  onError?(err: unknown): void;
}

const rfc3339 = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function runPodGc(o: PodGcOptions, signal: AbortSignal): Promise<{ stopped: Promise<void> }> {
  const delay = o.orphanDelayMs ?? 40_000;
  const period = o.periodMs ?? Math.max(50, Math.min(20_000, Math.floor(delay / 4)));
  /** uid → when its pod was first seen on a missing Node. */
  const orphanSince = new Map<string, number>();

  const forceDelete = async (pod: KObject) => {
    try {
      await o.client.delete(pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (!hasReason(err, 'NotFound') && !hasReason(err, 'Conflict')) throw err;
    }
  };

  const markFailed = async (pod: KObject) => {
    const status = (pod.status ?? {}) as NonNullable<Pod['status']>;
    const conditions = ((status.conditions ?? []) as PodCondition[]).filter((c) => c.type !== 'DisruptionTarget');
    conditions.push({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: rfc3339() });
    const terminal = status.phase === 'Succeeded' || status.phase === 'Failed';
    try {
      await o.client.update(pods, { ...structuredClone(pod), status: { ...status, ...(terminal ? {} : { phase: 'Failed' }), conditions } }, { subresource: 'status' });
    } catch (err) {
      // Changed or gone meanwhile: the force delete below still applies.
      if (!hasReason(err, 'NotFound') && !hasReason(err, 'Conflict')) throw err;
    }
  };

  const pass = async () => {
    const nodeNames = new Set((await o.client.list(nodes)).items.map((n) => n.metadata.name!));
    const now = Date.now();
    const seen = new Set<string>();
    for (const pod of (await o.client.list(pods)).items) {
      const nodeName = (pod.spec as Pod['spec'])?.nodeName;
      if (!nodeName || nodeNames.has(nodeName)) continue;
      const uid = pod.metadata.uid!;
      seen.add(uid);
      const since = orphanSince.get(uid) ?? now;
      orphanSince.set(uid, since);
      if (now - since < delay) continue;
      // The Node may have come back since the list: ask once more before acting.
      const back = await o.client.get(nodes, undefined, nodeName).then(() => true, (err) => {
        if (hasReason(err, 'NotFound')) return false;
        throw err;
      });
      if (back) continue;
      await markFailed(pod);
      await forceDelete(pod);
      orphanSince.delete(uid);
    }
    for (const uid of orphanSince.keys()) if (!seen.has(uid)) orphanSince.delete(uid);
  };

  const loop = async () => {
    while (!signal.aborted) {
      try {
        await pass();
      } catch (err) {
        try {
          o.onError?.(err);
        } catch {
          // nothing left to tell
        }
      }
      await sleep(period, signal);
    }
  };
  return { stopped: loop() };
}
