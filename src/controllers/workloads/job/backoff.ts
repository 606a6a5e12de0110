// After pod failures a Job waits before creating the next pod: base * 2^(failures since the last
// success - 1), capped, measured from the latest failure (upstream: 10 s base, 10 min cap).
import type { PodStatus } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../../registry/types.js';
import { podPhase } from '../pod-state.js';

/** When the pod finished: its last container's end, else when it stopped being ready, else its creation. */
function finishedAt(pod: KObject): number {
  const st = (pod.status ?? {}) as PodStatus;
  const ends = [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])]
    .map((c) => Date.parse(c.state?.terminated?.finishedAt ?? ''))
    .filter((t) => !Number.isNaN(t));
  if (ends.length) return Math.max(...ends);
  const ready = st.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
  if (ready && !Number.isNaN(Date.parse(ready))) return Date.parse(ready);
  return Date.parse(pod.metadata.creationTimestamp ?? '') || 0;
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** Milliseconds still to wait before creating pods; 0 when none. */
export function remainingBackoffMs(pods: KObject[], policy: BackoffPolicy, now: Date): number {
  const lastSuccess = Math.max(0, ...pods.filter((p) => podPhase(p) === 'Succeeded').map(finishedAt));
  const failures = pods.filter((p) => podPhase(p) === 'Failed').map(finishedAt).filter((t) => t >= lastSuccess);
  if (failures.length === 0) return 0;
  const delay = Math.min(policy.maxMs, policy.baseMs * 2 ** (failures.length - 1));
  return Math.max(0, Math.max(...failures) + delay - now.getTime());
}
