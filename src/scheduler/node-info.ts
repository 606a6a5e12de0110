// One node as the scheduler sees it: the Node object plus running totals over the pods placed on it
// (bound, or assumed while their binding is in flight).
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import type { HostPort, PodInfo } from './pod-info.js';
import { addInto, emptyResources, nodeAllocatable, type Allocatable, type Resources } from './resources.js';

const wildcardIp = '0.0.0.0';

export class NodeInfo {
  /** Absent while pods name a node the scheduler has not seen (or that was deleted). */
  node: Node | undefined;
  allocatable: Allocatable = { ...emptyResources(), pods: 0 };
  taints: Taint[] = [];
  requested: Resources = emptyResources();
  nonZeroRequested: Resources = emptyResources();
  readonly pods = new Map<string, PodInfo>();
  /** "TCP/8080" → host IP → how many pods hold it. */
  private readonly ports = new Map<string, Map<string, number>>();
  /** Controller uid → how many of its (not terminating) pods are here. */
  private readonly controllers = new Map<string, number>();

  constructor(readonly name: string) {}

  setNode(node: Node | undefined): void {
    this.node = node;
    this.allocatable = node ? nodeAllocatable(node) : { ...emptyResources(), pods: 0 };
    this.taints = node?.spec?.taints ?? [];
  }

  get unschedulable(): boolean {
    return this.node?.spec?.unschedulable === true;
  }

  get labels(): Readonly<Record<string, string>> {
    return this.node?.metadata?.labels ?? {};
  }

  addPod(p: PodInfo): void {
    if (this.pods.has(p.uid)) this.removePod(p.uid);
    this.pods.set(p.uid, p);
    this.account(p, 1);
  }

  removePod(uid: string): PodInfo | undefined {
    const p = this.pods.get(uid);
    if (!p) return undefined;
    this.pods.delete(uid);
    this.account(p, -1);
    return p;
  }

  private account(p: PodInfo, sign: 1 | -1): void {
    addInto(this.requested, p.requests, sign);
    addInto(this.nonZeroRequested, p.nonZeroRequests, sign);
    for (const hp of p.hostPorts) {
      const key = `${hp.protocol}/${hp.port}`;
      const ips = this.ports.get(key) ?? new Map<string, number>();
      const n = (ips.get(hp.ip) ?? 0) + sign;
      if (n > 0) ips.set(hp.ip, n);
      else ips.delete(hp.ip);
      if (ips.size) this.ports.set(key, ips);
      else this.ports.delete(key);
    }
    if (p.controllerUid && !p.terminating) {
      const n = (this.controllers.get(p.controllerUid) ?? 0) + sign;
      if (n > 0) this.controllers.set(p.controllerUid, n);
      else this.controllers.delete(p.controllerUid);
    }
  }

  /** A port bound on every address clashes with any use of it, and any use clashes with that. */
  portInUse(hp: HostPort): boolean {
    const ips = this.ports.get(`${hp.protocol}/${hp.port}`);
    if (!ips) return false;
    return hp.ip === wildcardIp || ips.has(wildcardIp) || ips.has(hp.ip);
  }

  podsOfController(uid: string): number {
    return this.controllers.get(uid) ?? 0;
  }
}

/** What of a Node the filters and scores read; a change elsewhere (heartbeats, conditions) cannot
 *  make a waiting pod fit. */
export function schedulingFingerprint(node: Node): string {
  return JSON.stringify([node.metadata?.labels ?? {}, node.spec?.taints ?? [], node.spec?.unschedulable ?? false, node.status?.allocatable ?? {}]);
}
