// Preemption, as kube-scheduler's default: when a pod fits nowhere, find a node where removing pods
// of lower priority makes it fit, keeping as many of them as still allows it (highest priority
// kept first). Among such nodes, prefer the one whose most important victim matters least, then
// the fewest victims. Pure: the node infos are changed only for the moment of each check.
import { runFilters, type Filter } from './filters.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';

export interface Preemption {
  node: NodeInfo;
  victims: PodInfo[];
}

/** Victims on one node, or undefined when even removing every lower-priority pod is not enough. */
function victimsOn(pod: PodInfo, node: NodeInfo, extra?: Filter): PodInfo[] | undefined {
  const lower = [...node.pods.values()].filter((p) => p.priority < pod.priority && !p.terminating);
  if (lower.length === 0) return undefined;
  for (const p of lower) node.removePod(p.uid);
  const fits = () => !runFilters(pod, node) && !extra?.check(pod, node);
  try {
    if (!fits()) return undefined;
    // Give back the most important first; whoever no longer fits alongside stays a victim.
    const victims: PodInfo[] = [];
    for (const p of [...lower].sort((a, b) => b.priority - a.priority)) {
      node.addPod(p);
      if (!fits()) {
        node.removePod(p.uid);
        victims.push(p);
      }
    }
    for (const p of lower) if (!victims.includes(p)) node.removePod(p.uid);
    return victims;
  } finally {
    for (const p of lower) node.addPod(p);
  }
}

export function findPreemption(pod: PodInfo, nodes: readonly NodeInfo[], extra?: Filter): Preemption | undefined {
  if (pod.preemptionNever) return undefined;
  const candidates = pod.pinned === 'all' ? nodes : pod.pinned === 'conflict' ? [] : nodes.filter((n) => (pod.pinned as ReadonlySet<string>).has(n.name));
  let best: Preemption | undefined;
  const worst = (v: PodInfo[]) => Math.max(...v.map((p) => p.priority));
  for (const node of candidates) {
    const victims = victimsOn(pod, node, extra);
    if (!victims || victims.length === 0) continue;
    if (!best || worst(victims) < worst(best.victims) || (worst(victims) === worst(best.victims) && victims.length < best.victims.length)) best = { node, victims };
  }
  return best;
}
