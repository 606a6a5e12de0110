// One scheduling decision, without side effects: filter every node, score those left, pick one; or
// say in kube-scheduler's words why none fits.
import { runFilters, type Filter, type FilterFailure } from './filters.js';
import { fitErrorMessage, noNodesMessage } from './fit-error.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { pickBest, scoreNodes } from './scoring.js';

export type Placement = { node: NodeInfo } | { unschedulable: string };

const pinnedElsewhere = "node(s) didn't satisfy plugin(s) [NodeAffinity]";
const termsConflict = 'pod affinity terms conflict';

/** `extra` is a check beyond the built-in filters, run last (the pod's volumes, volume-binding.ts). */
export function place(pod: PodInfo, allNodes: readonly NodeInfo[], random: () => number = Math.random, extra?: { filter?: Filter; preFilterMsg?: string }): Placement {
  if (allNodes.length === 0) return { unschedulable: noNodesMessage };
  const diagnosis = { numAllNodes: allNodes.length, preemptionNever: pod.preemptionNever };
  if (pod.pinned === 'conflict') return { unschedulable: fitErrorMessage({ ...diagnosis, preFilterMsg: termsConflict, failures: [] }) };
  if (extra?.preFilterMsg) return { unschedulable: fitErrorMessage({ ...diagnosis, preFilterMsg: extra.preFilterMsg, failures: [] }) };

  // A pod pinned by name (a DaemonSet's) is only checked against those nodes; the rest are
  // reported as not satisfying its node affinity, as upstream's pre-filter does.
  const pinned = pod.pinned;
  const candidates = pinned === 'all' ? allNodes : allNodes.filter((n) => pinned.has(n.name));
  const feasible: NodeInfo[] = [];
  const failures: FilterFailure[] = [];
  for (const node of candidates) {
    const failure = runFilters(pod, node) ?? extra?.filter?.check(pod, node);
    if (failure) failures.push(failure);
    else feasible.push(node);
  }
  if (feasible.length === 0) {
    return { unschedulable: fitErrorMessage({ ...diagnosis, failures, ...(pinned === 'all' ? {} : { unchecked: [pinnedElsewhere] }) }) };
  }
  if (feasible.length === 1) return { node: feasible[0]! };
  return { node: feasible[pickBest(scoreNodes(pod, feasible), random)]! };
}
