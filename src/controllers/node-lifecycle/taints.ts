// Taints that follow a Node's conditions (TaintNodesByCondition and taint-based eviction upstream):
// the controller owns these keys, adds the ones the conditions call for with the time they were
// added, and removes the rest. Every other taint on the Node is left as it is.
import type { NodeCondition, NodeSpec, NodeStatus, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../registry/types.js';

export const taintKeys = {
  notReady: 'node.kubernetes.io/not-ready',
  unreachable: 'node.kubernetes.io/unreachable',
  unschedulable: 'node.kubernetes.io/unschedulable',
  memoryPressure: 'node.kubernetes.io/memory-pressure',
  diskPressure: 'node.kubernetes.io/disk-pressure',
  pidPressure: 'node.kubernetes.io/pid-pressure',
  networkUnavailable: 'node.kubernetes.io/network-unavailable',
} as const;

const managed = new Set<string>(Object.values(taintKeys));

/** Which taints, by key and effect, the Node's conditions and spec call for. */
export function wantedTaints(node: KObject): Array<Pick<Taint, 'key' | 'effect'>> {
  const conditions = ((node.status as NodeStatus | undefined)?.conditions ?? []) as NodeCondition[];
  const status = (type: string) => conditions.find((c) => c.type === type)?.status;
  const out: Array<Pick<Taint, 'key' | 'effect'>> = [];
  const both = (key: string) => out.push({ key, effect: 'NoSchedule' }, { key, effect: 'NoExecute' });
  const ready = status('Ready');
  if (ready === 'False') both(taintKeys.notReady);
  else if (ready === 'Unknown') both(taintKeys.unreachable);
  if (status('MemoryPressure') === 'True') out.push({ key: taintKeys.memoryPressure, effect: 'NoSchedule' });
  if (status('DiskPressure') === 'True') out.push({ key: taintKeys.diskPressure, effect: 'NoSchedule' });
  if (status('PIDPressure') === 'True') out.push({ key: taintKeys.pidPressure, effect: 'NoSchedule' });
  if (status('NetworkUnavailable') === 'True') out.push({ key: taintKeys.networkUnavailable, effect: 'NoSchedule' });
  if ((node.spec as NodeSpec | undefined)?.unschedulable) out.push({ key: taintKeys.unschedulable, effect: 'NoSchedule' });
  return out;
}

/** The Node's taints with the managed ones brought in line; undefined when nothing changes. */
export function reconcileTaints(node: KObject, now: string): Taint[] | undefined {
  const current = ((node.spec as NodeSpec | undefined)?.taints ?? []) as Taint[];
  const wanted = wantedTaints(node);
  const isWanted = (t: Taint) => wanted.some((w) => w.key === t.key && w.effect === t.effect);
  const kept = current.filter((t) => !managed.has(t.key) || isWanted(t));
  const added = wanted.filter((w) => !kept.some((t) => t.key === w.key && t.effect === w.effect)).map((w) => ({ key: w.key, effect: w.effect, timeAdded: now }));
  if (added.length === 0 && kept.length === current.length) return undefined;
  return [...kept, ...added];
}

/** Whether a toleration covers a taint, by the scheduler's rules. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '') && !!t.key;
}
