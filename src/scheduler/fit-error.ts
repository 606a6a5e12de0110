// The FailedScheduling message, word for word as kube-scheduler 1.32 writes it:
//
//   0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes
//   are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for
//   incoming pod.
//
// Reasons are counted per node and sorted as strings ("10 ..." before "2 ..."), as upstream does.
// k3ts never preempts, but it prints the preemption part anyway: upstream's default profile always
// runs it, users and tools look for it, and what it says is what upstream would say when no pod of
// lower priority could make room (true here, where no pod is ever evicted to make room): a node
// failing a check that removing pods cannot fix is "not helpful", any other is "no victims".
import type { FilterFailure } from './filters.js';

export const noNodesMessage = 'no nodes available to schedule pods';

const notHelpful = 'Preemption is not helpful for scheduling';
const noVictims = 'No preemption victims found for incoming pod';

export interface Diagnosis {
  /** Every node in the cluster. */
  numAllNodes: number;
  /** Set when the pod could not be checked against any node (its terms contradict each other). */
  preFilterMsg?: string;
  /** One entry per node that was checked and failed. */
  failures: readonly FilterFailure[];
  /** Why the nodes that were not checked at all (the pod is pinned to others) do not fit. */
  unchecked?: readonly string[];
  preemptionNever: boolean;
}

function histogram(counts: Map<string, number>): string {
  return [...counts].filter(([, n]) => n > 0).map(([reason, n]) => `${n} ${reason}`).sort().join(', ');
}

function countBy(into: Map<string, number>, reason: string, n: number): void {
  into.set(reason, (into.get(reason) ?? 0) + n);
}

export function fitErrorMessage(d: Diagnosis): string {
  const head = `0/${d.numAllNodes} nodes are available:`;
  const uncheckedCount = Math.max(0, d.numAllNodes - d.failures.length);
  let msg = head;
  if (d.preFilterMsg) {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    for (const f of d.failures) for (const r of f.reasons) countBy(counts, r, 1);
    if (uncheckedCount > 0) for (const r of d.unchecked ?? []) countBy(counts, r, uncheckedCount);
    const text = histogram(counts);
    if (text) msg += ` ${text}.`;
  }
  return `${msg} ${preemptionMessage(d, uncheckedCount)}`;
}

function preemptionMessage(d: Diagnosis, uncheckedCount: number): string {
  if (d.preemptionNever) return 'preemption: not eligible due to preemptionPolicy=Never.';
  const counts = new Map<string, number>();
  if (d.preFilterMsg) {
    countBy(counts, notHelpful, d.numAllNodes);
  } else {
    countBy(counts, notHelpful, uncheckedCount);
    for (const f of d.failures) countBy(counts, f.unresolvable ? notHelpful : noVictims, 1);
  }
  return `preemption: 0/${d.numAllNodes} nodes are available: ${histogram(counts)}.`;
}
