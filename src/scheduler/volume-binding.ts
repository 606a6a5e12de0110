// The scheduler's view of a pod's claims (upstream's VolumeBinding plugin, cut to what k3ts
// provisions): a missing claim or an unbound claim of an Immediate class makes the pod wait with
// upstream's words; a claim bound to a volume pinned to some nodes limits the pod to them; a claim
// of a WaitForFirstConsumer class is bound only once the pod has a node, which the scheduler
// records on the claim (volume.kubernetes.io/selected-node) for the provisioner before binding the pod.
import type { PersistentVolumeClaim, PersistentVolumeSpec, PodSpec } from 'kubernetes-types/core/v1.js';
import type { WatchEvent } from '../client/types.js';
import type { KObject } from '../registry/types.js';
import type { Filter, FilterFailure } from './filters.js';
import { termMatches } from './node-affinity.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';

export const SELECTED_NODE = 'volume.kubernetes.io/selected-node';

export const volumeReasons = {
  affinityConflict: 'node(s) had volume node affinity conflict',
  pvMissing: 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)',
  unboundImmediate: 'pod has unbound immediate PersistentVolumeClaims',
  claimMissing: (name: string) => `persistentvolumeclaim "${name}" not found`,
  claimDeleting: (name: string) => `persistentvolumeclaim "${name}" is being deleted`,
};

export type VolumeVerdict =
  | { unschedulable: string }
  | { filter?: Filter; selectNode: Array<{ namespace: string; name: string }> };

const key = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;

/** Claims, volumes and classes as the watches last showed them. */
export class VolumeState {
  private readonly claims = new Map<string, KObject>();
  private readonly volumes = new Map<string, KObject>();
  private readonly classes = new Map<string, KObject>();

  /** Applies a watch event; true when a waiting pod might now fit (anything new or changed). */
  onEvent(kind: 'claim' | 'volume' | 'class', ev: WatchEvent): boolean {
    const map = this.mapOf(kind);
    const k = kind === 'claim' ? key(ev.object.metadata.namespace, ev.object.metadata.name) : ev.object.metadata.name!;
    if (ev.type === 'DELETED') map.delete(k);
    else map.set(k, ev.object);
    return ev.type !== 'DELETED';
  }

  replace(kind: 'claim' | 'volume' | 'class', items: KObject[]): void {
    const map = this.mapOf(kind);
    map.clear();
    for (const o of items) map.set(kind === 'claim' ? key(o.metadata.namespace, o.metadata.name) : o.metadata.name!, o);
  }

  private mapOf(kind: 'claim' | 'volume' | 'class'): Map<string, KObject> {
    return kind === 'claim' ? this.claims : kind === 'volume' ? this.volumes : this.classes;
  }

  private defaultClass(): string | undefined {
    const isDefault = (c: KObject) => ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'].some((a) => c.metadata.annotations?.[a] === 'true');
    const defaults = [...this.classes.values()].filter(isDefault);
    defaults.sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
    return defaults[0]?.metadata.name;
  }

  /** What the pod's claims demand of its node, or why it cannot be placed at all yet. */
  verdict(pod: PodInfo): VolumeVerdict {
    const spec = (pod.pod.spec ?? {}) as PodSpec;
    const pinnedTo: Array<PersistentVolumeSpec['nodeAffinity']> = [];
    let pvMissing = false;
    const selectNode: Array<{ namespace: string; name: string }> = [];
    for (const v of spec.volumes ?? []) {
      const claimName = v.persistentVolumeClaim?.claimName;
      if (!claimName) continue;
      const claim = this.claims.get(key(pod.namespace, claimName)) as PersistentVolumeClaim | undefined;
      if (!claim) return { unschedulable: volumeReasons.claimMissing(claimName) };
      if (claim.metadata?.deletionTimestamp) return { unschedulable: volumeReasons.claimDeleting(claimName) };
      const volumeName = claim.spec?.volumeName;
      if (volumeName) {
        const pv = this.volumes.get(volumeName);
        if (!pv) pvMissing = true;
        else if ((pv.spec as PersistentVolumeSpec).nodeAffinity) pinnedTo.push((pv.spec as PersistentVolumeSpec).nodeAffinity);
        continue;
      }
      // A claim that names no class is about to get the default one (the volume controller gives it).
      const className = claim.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? claim.spec?.storageClassName ?? this.defaultClass() ?? '';
      const cls = className ? this.classes.get(className) : undefined;
      if (cls?.volumeBindingMode !== 'WaitForFirstConsumer') return { unschedulable: volumeReasons.unboundImmediate };
      selectNode.push({ namespace: pod.namespace, name: claimName });
    }
    if (!pvMissing && pinnedTo.length === 0) return { selectNode };
    const filter: Filter = {
      name: 'VolumeBinding',
      check(_pod: PodInfo, node: NodeInfo): FilterFailure | undefined {
        if (pvMissing) return { plugin: 'VolumeBinding', reasons: [volumeReasons.pvMissing], unresolvable: true };
        const labels = node.node?.metadata?.labels ?? {};
        const fits = pinnedTo.every((a) => (a?.required?.nodeSelectorTerms ?? []).some((t) => termMatches(t, labels, node.name)));
        return fits ? undefined : { plugin: 'VolumeBinding', reasons: [volumeReasons.affinityConflict], unresolvable: true };
      },
    };
    return { filter, selectNode };
  }
}
