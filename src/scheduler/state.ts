// What the Node and Pod watches change: the cache of nodes and placed pods, the pods waiting for a
// node (their latest version), and the queue that orders them.
import type { Node, PodSpec } from 'kubernetes-types/core/v1.js';
import type { WatchEvent } from '../client/types.js';
import type { KObject } from '../registry/types.js';
import { SchedulerCache } from './cache.js';
import { isTerminal, podInfo, type PodInfo } from './pod-info.js';
import type { SchedulingQueue } from './queue.js';

export const defaultSchedulerName = 'default-scheduler';

export class SchedulerState {
  readonly cache = new SchedulerCache();
  /** Unbound pods this scheduler is responsible for, by uid: the newest version seen. */
  readonly pending = new Map<string, PodInfo>();

  constructor(
    readonly queue: SchedulingQueue,
    readonly schedulerName: string,
  ) {}

  /** Ours to place: unbound, not being deleted, not gated, and naming this scheduler. */
  private responsibleFor(pod: KObject): boolean {
    const spec = (pod.spec ?? {}) as PodSpec;
    const name = spec.schedulerName || defaultSchedulerName;
    return name === this.schedulerName && !pod.metadata.deletionTimestamp && !(spec.schedulingGates?.length);
  }

  onPodEvent(ev: WatchEvent): void {
    if (ev.type === 'DELETED') this.podGone(ev.object.metadata.uid ?? '');
    else this.onPod(ev.object);
  }

  onPod(pod: KObject): void {
    const uid = pod.metadata.uid ?? '';
    if (isTerminal(pod)) {
      this.podGone(uid);
      return;
    }
    const nodeName = (pod.spec as PodSpec | undefined)?.nodeName;
    if (nodeName) {
      this.pending.delete(uid);
      this.queue.delete(uid);
      this.cache.upsertBoundPod(podInfo(pod));
      return;
    }
    if (!this.responsibleFor(pod)) {
      this.pending.delete(uid);
      this.queue.delete(uid);
      return;
    }
    const info = podInfo(pod);
    const prior = this.pending.get(uid);
    this.pending.set(uid, info);
    // Our binding is in flight (or written, and the watch has not caught up): an unbound version is
    // an older one. Keep it in case the binding fails, but do not queue the pod twice.
    if (this.cache.isAssumed(uid)) return;
    const changed = prior !== undefined && JSON.stringify(prior.pod.spec) !== JSON.stringify(pod.spec);
    this.queue.add(uid, info.priority, { changed });
  }

  podGone(uid: string): void {
    this.pending.delete(uid);
    this.queue.delete(uid);
    // A placed pod leaving frees room (resources, ports) that a waiting pod may fit into.
    if (this.cache.removePod(uid)) this.queue.moveAllToActive();
  }

  /** After a (re)list: the pods that exist now. */
  replacePods(pods: KObject[]): void {
    const present = new Set(pods.map((p) => p.metadata.uid ?? ''));
    for (const uid of [...this.cache.placedUids()]) if (!present.has(uid)) this.podGone(uid);
    for (const uid of [...this.pending.keys()]) if (!present.has(uid)) this.podGone(uid);
    for (const p of pods) this.onPod(p);
  }

  onNodeEvent(ev: WatchEvent): void {
    const node = ev.object as unknown as Node;
    if (ev.type === 'DELETED') this.cache.deleteNode(node.metadata?.name ?? '');
    else if (this.cache.upsertNode(node)) this.queue.moveAllToActive();
  }

  replaceNodes(nodes: KObject[]): void {
    if (this.cache.replaceNodes(nodes as unknown as Node[])) this.queue.moveAllToActive();
  }
}
