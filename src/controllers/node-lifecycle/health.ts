// When is a Node's kubelet silent, and what its conditions then say. A heartbeat is the newer of
// the Node's Lease renewTime and its Ready condition's lastHeartbeatTime; the grace period runs from
// when this controller saw the heartbeat change, not from the time written in it, so a skewed clock
// on the node (or a controller that just started) never marks a node down early.
import type { NodeCondition, NodeStatus } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../registry/types.js';

/** The conditions a silent kubelet no longer vouches for. */
export const monitoredConditions = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

export function heartbeatOf(node: KObject, lease: KObject | undefined): string | undefined {
  const ready = ((node.status as NodeStatus | undefined)?.conditions ?? []).find((c) => c.type === 'Ready');
  const renew = (lease?.spec as { renewTime?: string } | undefined)?.renewTime;
  const times = [renew, ready?.lastHeartbeatTime].filter((t): t is string => typeof t === 'string' && !Number.isNaN(Date.parse(t)));
  if (times.length === 0) return undefined;
  return times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
}

export interface Observation {
  heartbeat: string | undefined;
  /** When the controller saw this heartbeat first (ms since the epoch). */
  seenAt: number;
}

export function observe(prev: Observation | undefined, heartbeat: string | undefined, now: number): Observation {
  return prev && prev.heartbeat === heartbeat ? prev : { heartbeat, seenAt: now };
}

/**
 * The Node's conditions once its kubelet has been silent too long: each monitored condition turns
 * Unknown, keeping its last heartbeat; one never posted appears as Unknown too. Undefined when all
 * already say Unknown.
 */
export function silentConditions(node: KObject, now: string): NodeCondition[] | undefined {
  const conditions = [...(((node.status as NodeStatus | undefined)?.conditions ?? []) as NodeCondition[])];
  let changed = false;
  for (const type of monitoredConditions) {
    const i = conditions.findIndex((c) => c.type === type);
    if (i < 0) {
      conditions.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata.creationTimestamp ?? now,
        lastTransitionTime: now,
      });
      changed = true;
    } else if (conditions[i]!.status !== 'Unknown') {
      conditions[i] = { ...conditions[i]!, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now };
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}

export const readyStatusOf = (node: KObject): string | undefined =>
  ((node.status as NodeStatus | undefined)?.conditions ?? []).find((c) => c.type === 'Ready')?.status;
