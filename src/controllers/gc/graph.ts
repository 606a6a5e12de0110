// The garbage collector's picture of the cluster: every object it watches, by uid, with the owners it
// names and, the other way round, the dependents that name each owner. An owner uid keeps its
// dependents even while the owner itself is absent: that is exactly the case the collector acts on.
import type { KObject } from '../../registry/types.js';

export interface KindRef {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
}

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface GraphNode {
  uid: string;
  type: KindRef;
  namespace?: string;
  name: string;
  owners: OwnerRef[];
  /** deletionTimestamp is set. */
  deleting: boolean;
  finalizers: string[];
}

export function nodeOf(type: KindRef, obj: KObject): GraphNode {
  const m = obj.metadata;
  return {
    uid: m.uid!,
    type,
    ...(m.namespace ? { namespace: m.namespace } : {}),
    name: m.name!,
    owners: (m.ownerReferences ?? []).filter((r) => typeof r?.uid === 'string' && r.uid !== ''),
    deleting: !!m.deletionTimestamp,
    finalizers: m.finalizers ?? [],
  };
}

const ownerUids = (n: GraphNode | undefined) => (n ? n.owners.map((o) => o.uid) : []);

export class DependencyGraph {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly dependents = new Map<string, Set<string>>();

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  /** Stores the node; returns the one it replaced. */
  upsert(node: GraphNode): GraphNode | undefined {
    const prev = this.nodes.get(node.uid);
    this.unlink(prev);
    this.nodes.set(node.uid, node);
    for (const owner of ownerUids(node)) {
      let set = this.dependents.get(owner);
      if (!set) this.dependents.set(owner, (set = new Set()));
      set.add(node.uid);
    }
    return prev;
  }

  remove(uid: string): GraphNode | undefined {
    const prev = this.nodes.get(uid);
    this.unlink(prev);
    this.nodes.delete(uid);
    return prev;
  }

  /** Dependents that are present, whether or not the owner is. */
  dependentsOf(ownerUid: string): GraphNode[] {
    const out: GraphNode[] = [];
    for (const uid of this.dependents.get(ownerUid) ?? []) {
      const n = this.nodes.get(uid);
      if (n) out.push(n);
    }
    return out;
  }

  /** Uids of the nodes of one resource type (to find what disappeared while a watch was down). */
  uidsOfType(type: KindRef): string[] {
    const out: string[] = [];
    for (const n of this.nodes.values()) if (n.type.group === type.group && n.type.resource === type.resource) out.push(n.uid);
    return out;
  }

  get size(): number {
    return this.nodes.size;
  }

  private unlink(node: GraphNode | undefined): void {
    for (const owner of ownerUids(node)) {
      const set = this.dependents.get(owner);
      set?.delete(node!.uid);
      if (set?.size === 0) this.dependents.delete(owner);
    }
  }
}

/** The finalizers a delete with propagationPolicy Orphan or Foreground puts on the owner. */
export const orphanFinalizer = 'orphan';
export const foregroundFinalizer = 'foregroundDeletion';

export const isDeletingDependents = (n: GraphNode) => n.deleting && n.finalizers.includes(foregroundFinalizer);

export const sameOwners = (a: GraphNode | undefined, b: GraphNode) =>
  !!a && a.owners.length === b.owners.length && a.owners.every((o, i) => o.uid === b.owners[i]!.uid && !!o.blockOwnerDeletion === !!b.owners[i]!.blockOwnerDeletion);
