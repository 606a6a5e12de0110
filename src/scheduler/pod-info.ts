// What the scheduler needs from a pod, worked out once per version of the pod rather than once per
// node it is checked against.
import type { Pod, PodSpec, PreferredSchedulingTerm, Toleration } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../registry/types.js';
import { requiredNodeAffinity, pinnedNodeNames, type RequiredNodeAffinity } from './node-affinity.js';
import { podNonZeroRequests, podRequests, type Resources } from './resources.js';

export interface HostPort {
  /** '0.0.0.0' when the port is bound on every address. */
  ip: string;
  protocol: string;
  port: number;
}

export interface PodInfo {
  uid: string;
  namespace: string;
  name: string;
  pod: KObject;
  priority: number;
  requests: Resources;
  nonZeroRequests: Resources;
  hostPorts: HostPort[];
  /** The uid of the controller (ReplicaSet, DaemonSet, Job ...) owning the pod, for spreading. */
  controllerUid?: string;
  nodeName: string;
  tolerations: Toleration[];
  required: RequiredNodeAffinity;
  pinned: ReadonlySet<string> | 'all' | 'conflict';
  preferred: PreferredSchedulingTerm[];
  preemptionNever: boolean;
  terminating: boolean;
}

const specOf = (pod: KObject) => (pod.spec ?? {}) as PodSpec;

/** Host ports of the app containers and of sidecars, which keep theirs while the pod runs. */
function hostPortsOf(spec: PodSpec): HostPort[] {
  const containers = [...(spec.containers ?? []), ...((spec.initContainers ?? []) as Array<{ restartPolicy?: string }>).filter((c) => c.restartPolicy === 'Always')] as PodSpec['containers'];
  const out: HostPort[] = [];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

export function podInfo(pod: KObject): PodInfo {
  const spec = specOf(pod);
  const m = pod.metadata;
  const owner = m.ownerReferences?.find((r) => r.controller);
  return {
    uid: m.uid ?? `${m.namespace}/${m.name}`,
    namespace: m.namespace ?? 'default',
    name: m.name ?? '',
    pod,
    priority: spec.priority ?? 0,
    requests: podRequests(spec),
    nonZeroRequests: podNonZeroRequests(spec),
    hostPorts: hostPortsOf(spec),
    ...(owner?.uid ? { controllerUid: owner.uid } : {}),
    nodeName: spec.nodeName ?? '',
    tolerations: spec.tolerations ?? [],
    required: requiredNodeAffinity(spec),
    pinned: pinnedNodeNames(spec),
    preferred: spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [],
    preemptionNever: spec.preemptionPolicy === 'Never',
    terminating: Boolean(m.deletionTimestamp),
  };
}

/** Succeeded and Failed pods hold nothing on their node any more. */
export function isTerminal(pod: KObject): boolean {
  const phase = (pod as Pod).status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
