// What the controllers need to know about one pod: is it still counted, is it ready, and since
// when (availability is readiness held for minReadySeconds).
import type { PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../registry/types.js';

const statusOf = (pod: KObject) => (pod.status ?? {}) as PodStatus;

export const podPhase = (pod: KObject): string => statusOf(pod).phase ?? 'Pending';
export const isTerminating = (pod: KObject): boolean => !!pod.metadata.deletionTimestamp;
export const isTerminal = (pod: KObject): boolean => ['Succeeded', 'Failed'].includes(podPhase(pod));
/** Counted towards a controller's replicas: neither finished nor on its way out. */
export const isActive = (pod: KObject): boolean => !isTerminating(pod) && !isTerminal(pod);

function readyCondition(pod: KObject): PodCondition | undefined {
  return (statusOf(pod).conditions ?? []).find((c) => c.type === 'Ready');
}

export const isReady = (pod: KObject): boolean => readyCondition(pod)?.status === 'True';

/** Milliseconds until a ready pod counts as available: 0 when it already does, undefined when it is not ready. */
export function msUntilAvailable(pod: KObject, minReadySeconds: number, now: Date): number | undefined {
  const cond = readyCondition(pod);
  if (cond?.status !== 'True') return undefined;
  if (minReadySeconds <= 0) return 0;
  const since = cond.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : NaN;
  if (Number.isNaN(since)) return minReadySeconds * 1000;
  return Math.max(0, since + minReadySeconds * 1000 - now.getTime());
}

export const isAvailable = (pod: KObject, minReadySeconds: number, now: Date): boolean => msUntilAvailable(pod, minReadySeconds, now) === 0;

/** When the pod last turned ready, for ranking; undefined when it is not ready. */
export function readySince(pod: KObject): number | undefined {
  const cond = readyCondition(pod);
  if (cond?.status !== 'True' || !cond.lastTransitionTime) return undefined;
  return Date.parse(cond.lastTransitionTime);
}

export function restartCount(pod: KObject): number {
  const st = statusOf(pod);
  return [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])].reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

export const nodeNameOf = (pod: KObject): string => (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '';
