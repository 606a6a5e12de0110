// The node's conditions as a 1.32 kubelet reports them. The simulated machine never runs short of
// memory, disk or PIDs; Ready waits for the pod network, which here means a podCIDR assigned by the
// server's IPAM controller.
import type { NodeCondition } from 'kubernetes-types/core/v1.js';

interface ConditionSpec {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export const pressureConditions: ConditionSpec[] = [
  { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
];

export const networkNotReadyMessage =
  'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: no podCIDR assigned to this node yet';

export function readyCondition(networkReady: boolean): ConditionSpec {
  return networkReady
    ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
    : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: networkNotReadyMessage };
}

/** All four conditions, heartbeat `now`, keeping each transition time while its status holds. */
export function nodeConditions(networkReady: boolean, previous: NodeCondition[] | undefined, now: string): NodeCondition[] {
  return [...pressureConditions, readyCondition(networkReady)].map((c) => {
    const prev = previous?.find((p) => p.type === c.type);
    return { ...c, lastHeartbeatTime: now, lastTransitionTime: prev?.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now };
  });
}

/** Seconds precision, as metav1.Time serializes. */
export const apiTime = (d: Date = new Date()): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Microseconds precision, as metav1.MicroTime serializes (Lease renewTime). */
export const apiMicroTime = (d: Date = new Date()): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
