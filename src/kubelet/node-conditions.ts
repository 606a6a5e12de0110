// The node's conditions as a 1.32 kubelet reports them. Pressure is not measured yet (always
// False); Ready waits for the runtime's pod network, which needs the podCIDR the server's IPAM
// controller assigns and, with containerd, the CNI configuration the agent then writes.
import type { NodeCondition } from 'kubernetes-types/core/v1.js';

export interface ConditionSpec {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export const pressureConditions: ConditionSpec[] = [
  { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
];

/** Not ready, in the upstream kubelet's words, with the runtime's own reason at the end. */
export const networkNotReadyMessage = (why = 'no podCIDR assigned to this node yet') =>
  `container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: ${why}`;

export function readyCondition(networkReady: boolean, why?: string): ConditionSpec {
  return networkReady
    ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
    : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: networkNotReadyMessage(why) };
}

/** Conditions that other parts of a node own (the pod network's NetworkUnavailable, say): the
 *  kubelet posts them with its own, and at once when they change. */
export interface ExtraConditions {
  current(): ConditionSpec[];
  subscribe(onChange: () => void): () => void;
}

/** The kubelet's four conditions and any others, heartbeat `now`, keeping each transition time
 *  while its status holds. */
export function nodeConditions(networkReady: boolean, previous: NodeCondition[] | undefined, now: string, why?: string, extra: ConditionSpec[] = []): NodeCondition[] {
  return [...extra, ...pressureConditions, readyCondition(networkReady, why)].map((c) => {
    const prev = previous?.find((p) => p.type === c.type);
    return { ...c, lastHeartbeatTime: now, lastTransitionTime: prev?.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now };
  });
}

/** The same conditions apart from their times. */
export function sameConditions(a: NodeCondition[], b: NodeCondition[] | undefined): boolean {
  if (!b || a.length !== b.length) return false;
  return a.every((c) => b.some((o) => o.type === c.type && o.status === c.status && (o.reason ?? '') === (c.reason ?? '') && (o.message ?? '') === (c.message ?? '')));
}

/** Seconds precision, as metav1.Time serializes. */
export const apiTime = (d: Date = new Date()): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Microseconds precision, as metav1.MicroTime serializes (Lease renewTime). */
export const apiMicroTime = (d: Date = new Date()): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
