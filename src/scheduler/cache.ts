// The scheduler's picture of the cluster, fed by watches on Nodes and Pods. A pod the scheduler
// has just placed is "assumed" on its node at once, before the binding is written and long before
// the watch shows it, so the next decision already sees the node fuller (a burst spreads instead of
// piling onto the node that looked emptiest). The watch later confirms the assumption; a failed
// binding forgets it.
import type { Node } from 'kubernetes-types/core/v1.js';
import { NodeInfo, schedulingFingerprint } from './node-info.js';
import type { PodInfo } from './pod-info.js';

interface PlacedPod {
  info: PodInfo;
  nodeName: string;
  assumed: boolean;
}

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly fingerprints = new Map<string, string>();
  private readonly placed = new Map<string, PlacedPod>();
  private candidates: NodeInfo[] | undefined;

  private infoFor(name: string): NodeInfo {
    let ni = this.nodes.get(name);
    if (!ni) {
      ni = new NodeInfo(name);
      this.nodes.set(name, ni);
    }
    return ni;
  }

  /** True when the change could let a waiting pod fit (a new node, or new labels, taints,
   *  allocatable or cordon state). */
  upsertNode(node: Node): boolean {
    const name = node.metadata?.name ?? '';
    const ni = this.infoFor(name);
    const isNew = ni.node === undefined;
    ni.setNode(node);
    if (isNew) this.candidates = undefined;
    const fp = schedulingFingerprint(node);
    const changed = this.fingerprints.get(name) !== fp;
    this.fingerprints.set(name, fp);
    return isNew || changed;
  }

  deleteNode(name: string): void {
    const ni = this.nodes.get(name);
    if (!ni) return;
    this.fingerprints.delete(name);
    this.candidates = undefined;
    // Its pods stay counted until they go themselves; the node is no longer a candidate.
    if (ni.pods.size === 0) this.nodes.delete(name);
    else ni.setNode(undefined);
  }

  /** Makes the node set exactly `nodes` (after a re-list); true when any change could help a pod. */
  replaceNodes(nodes: Node[]): boolean {
    const names = new Set(nodes.map((n) => n.metadata?.name ?? ''));
    for (const [name, ni] of this.nodes) if (ni.node && !names.has(name)) this.deleteNode(name);
    let helped = false;
    for (const n of nodes) if (this.upsertNode(n)) helped = true;
    return helped;
  }

  /** Every node that exists, in a stable order. */
  nodeList(): NodeInfo[] {
    this.candidates ??= [...this.nodes.values()].filter((ni) => ni.node !== undefined);
    return this.candidates;
  }

  /** A pod the API shows bound to a node (and not finished). Confirms or replaces an assumption. */
  upsertBoundPod(info: PodInfo): void {
    const prior = this.placed.get(info.uid);
    if (prior && prior.nodeName !== info.nodeName) this.dropFromNode(prior);
    this.infoFor(info.nodeName).addPod(info);
    this.placed.set(info.uid, { info, nodeName: info.nodeName, assumed: false });
  }

  /** The pod is gone or finished; true when it was holding room on some node. */
  removePod(uid: string): boolean {
    const prior = this.placed.get(uid);
    if (!prior) return false;
    this.placed.delete(uid);
    this.dropFromNode(prior);
    return true;
  }

  private dropFromNode(p: PlacedPod): void {
    const ni = this.nodes.get(p.nodeName);
    if (!ni) return;
    ni.removePod(p.info.uid);
    if (!ni.node && ni.pods.size === 0) this.nodes.delete(p.nodeName);
  }

  assume(info: PodInfo, nodeName: string): void {
    this.infoFor(nodeName).addPod(info);
    this.placed.set(info.uid, { info, nodeName, assumed: true });
  }

  /** Undoes an assumption whose binding failed; a pod the watch has meanwhile confirmed stays. */
  forget(uid: string): void {
    const p = this.placed.get(uid);
    if (p?.assumed) this.removePod(uid);
  }

  isAssumed(uid: string): boolean {
    return this.placed.get(uid)?.assumed === true;
  }

  placedUids(): IterableIterator<string> {
    return this.placed.keys();
  }
}
