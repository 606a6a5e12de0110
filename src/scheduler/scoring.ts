// Ranking the nodes that passed the filters. Each score is an integer 0..100, weighted and summed:
//
//   spread ×2           fewest pods of the same controller (ReplicaSet, Job, ...) among the feasible
//                       nodes gets 100, most gets 0, linear in between. Replicas of one workload
//                       land on different nodes first: 2 replicas take 2 nodes, 6 on 3 nodes go 2/2/2.
//   least allocated ×1  free share of cpu and memory after placing the pod (upstream's formula; pods
//                       without requests count as 100m / 200Mi).
//   taints ×3           fewer untolerated PreferNoSchedule taints is better.
//   node affinity ×2    the summed weights of preferred terms the node matches.
//
// The weights are upstream's (PodTopologySpread 2, NodeResourcesFit 1, TaintToleration 3,
// NodeAffinity 2). Our spread score is simpler than upstream's default topology constraints and
// stronger: it runs from 0 to 100 between the emptiest and fullest node whatever the counts, so its
// weight of 2 outweighs any least-allocated difference. Ties go to a random node among the best,
// as upstream, so equal nodes fill evenly rather than in name order.
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { preferredAffinityWeight } from './node-affinity.js';
import { countIntolerablePreferNoSchedule } from './taints.js';

export const maxNodeScore = 100;
export const weights = { spread: 2, leastAllocated: 1, taint: 3, affinity: 2 } as const;

function freeShare(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * maxNodeScore) / capacity);
}

export function leastAllocatedScore(pod: PodInfo, node: NodeInfo): number {
  const cpu = freeShare(node.nonZeroRequested.milliCpu + pod.nonZeroRequests.milliCpu, node.allocatable.milliCpu);
  const memory = freeShare(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, node.allocatable.memory);
  return Math.floor((cpu + memory) / 2);
}

/** Fewest of the pod's siblings → 100, most → 0; all equal (or no controller) → 100 everywhere. */
export function spreadScores(pod: PodInfo, nodes: readonly NodeInfo[]): number[] {
  const uid = pod.controllerUid;
  if (!uid) return nodes.map(() => maxNodeScore);
  const counts = nodes.map((n) => n.podsOfController(uid));
  const [min, max] = [Math.min(...counts), Math.max(...counts)];
  if (max === min) return counts.map(() => maxNodeScore);
  return counts.map((c) => Math.floor((maxNodeScore * (max - c)) / (max - min)));
}

export function taintScores(pod: PodInfo, nodes: readonly NodeInfo[]): number[] {
  const counts = nodes.map((n) => countIntolerablePreferNoSchedule(n.taints, pod.tolerations));
  const max = Math.max(0, ...counts);
  return counts.map((c) => (max === 0 ? maxNodeScore : maxNodeScore - Math.floor((maxNodeScore * c) / max)));
}

export function affinityScores(pod: PodInfo, nodes: readonly NodeInfo[]): number[] {
  if (pod.preferred.length === 0) return nodes.map(() => 0);
  const sums = nodes.map((n) => (n.node ? preferredAffinityWeight(pod.preferred, n.node) : 0));
  const max = Math.max(0, ...sums);
  return sums.map((s) => (max === 0 ? 0 : Math.floor((maxNodeScore * s) / max)));
}

export function scoreNodes(pod: PodInfo, nodes: readonly NodeInfo[]): number[] {
  const spread = spreadScores(pod, nodes);
  const hasPreferNoSchedule = nodes.some((n) => n.taints.some((t) => t.effect === 'PreferNoSchedule'));
  const taints = hasPreferNoSchedule ? taintScores(pod, nodes) : undefined;
  const affinity = affinityScores(pod, nodes);
  return nodes.map(
    (n, i) =>
      weights.spread * spread[i]! +
      weights.leastAllocated * leastAllocatedScore(pod, n) +
      weights.taint * (taints ? taints[i]! : maxNodeScore) +
      weights.affinity * affinity[i]!,
  );
}

/** The index of a best-scoring node, a random one among equals. */
export function pickBest(scores: readonly number[], random: () => number = Math.random): number {
  let best = -Infinity;
  let chosen = -1;
  let ties = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s > best) {
      best = s;
      chosen = i;
      ties = 1;
    } else if (s === best) {
      // Reservoir sampling: each of the k equal nodes ends up chosen with probability 1/k.
      ties++;
      if (random() * ties < 1) chosen = i;
    }
  }
  return chosen;
}
