// Which pods go first when a controller has too many: the ones whose loss hurts least. The order
// is upstream's: not yet on a node, then Pending before Unknown before Running, not ready before
// ready, a lower pod-deletion-cost, more siblings on the same node, ready for less time, more
// restarts, and finally the youngest.
import type { KObject } from '../../registry/types.js';
import { isReady, nodeNameOf, podPhase, readySince, restartCount } from './pod-state.js';

const deletionCostAnnotation = 'controller.kubernetes.io/pod-deletion-cost';
const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: KObject): number {
  const raw = pod.metadata.annotations?.[deletionCostAnnotation];
  const n = raw === undefined ? 0 : Number(raw);
  return Number.isInteger(n) ? n : 0;
}

const created = (pod: KObject): number => (pod.metadata.creationTimestamp ? Date.parse(pod.metadata.creationTimestamp) : -Infinity);

/** `pods` sorted so the first ones are the best to delete. `related` are all pods the owner counts,
 *  used to prefer pods that share their node with a sibling. */
export function rankForDeletion(pods: KObject[], related: KObject[] = pods): KObject[] {
  const perNode = new Map<string, number>();
  for (const p of related) {
    const node = nodeNameOf(p);
    if (node) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const siblings = (p: KObject) => (nodeNameOf(p) ? perNode.get(nodeNameOf(p)) ?? 0 : 0);
  const compare = (a: KObject, b: KObject): number => {
    const assigned = Number(nodeNameOf(a) !== '') - Number(nodeNameOf(b) !== '');
    if (assigned) return assigned;
    const phase = (phaseRank[podPhase(a)] ?? 0) - (phaseRank[podPhase(b)] ?? 0);
    if (phase) return phase;
    const ready = Number(isReady(a)) - Number(isReady(b));
    if (ready) return ready;
    const cost = deletionCost(a) - deletionCost(b);
    if (cost) return cost;
    const crowd = siblings(b) - siblings(a);
    if (crowd) return crowd;
    if (isReady(a) && isReady(b)) {
      const since = (readySince(b) ?? 0) - (readySince(a) ?? 0);
      if (since) return since;
    }
    const restarts = restartCount(b) - restartCount(a);
    if (restarts) return restarts;
    return created(b) - created(a);
  };
  return [...pods].sort(compare);
}
