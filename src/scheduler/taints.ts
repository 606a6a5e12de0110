// Taints and tolerations, as the scheduler reads them: NoSchedule and NoExecute keep a pod off a node
// unless tolerated; PreferNoSchedule only lowers the node's score.
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';

/** An empty key with Exists tolerates every taint; an empty effect matches every effect. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
    case '':
      return (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export const toleratedBy = (tolerations: readonly Toleration[], taint: Taint) => tolerations.some((t) => tolerates(t, taint));

/** The first NoSchedule or NoExecute taint no toleration covers, in the node's own order. */
export function firstUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint | undefined {
  return taints.find((taint) => (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !toleratedBy(tolerations, taint));
}

export function countIntolerablePreferNoSchedule(taints: readonly Taint[], tolerations: readonly Toleration[]): number {
  const preferTolerations = tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
  return taints.filter((taint) => taint.effect === 'PreferNoSchedule' && !toleratedBy(preferTolerations, taint)).length;
}
