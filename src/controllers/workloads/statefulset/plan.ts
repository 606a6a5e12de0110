// The StatefulSet's next moves, decided without side effects from what exists: which ordinals
// need a pod (and of which revision), which pods go. OrderedReady acts on one pod at a time and
// only while every pod before it is running and ready; Parallel creates and removes all at once.
// A rolling update replaces pods from the highest ordinal down to the partition, one at a time,
// each only after the ones above it are healthy on the new revision.

export interface PodView {
  name: string;
  ordinal: number;
  /** The controller-revision-hash label: the name of the revision the pod was made from. */
  revision: string;
  terminating: boolean;
  /** Succeeded or Failed: the pod must be replaced. */
  finished: boolean;
  /** Running and ready. */
  ready: boolean;
  /** Running, ready and available for minReadySeconds. */
  healthy: boolean;
}

export interface PlanInput {
  /** spec.ordinals.start. */
  start: number;
  replicas: number;
  /** podManagementPolicy OrderedReady. */
  ordered: boolean;
  onDelete: boolean;
  /** spec.updateStrategy.rollingUpdate.partition, counted from `start` as upstream does. */
  partition: number;
  currentRevision: string;
  updateRevision: string;
  pods: PodView[];
}

export type Action =
  | { kind: 'create'; ordinal: number; revision: string }
  | { kind: 'delete'; pod: PodView; why: 'finished' | 'condemned' | 'update' };

/** The revision a newly made pod of `ordinal` gets: below the partition it keeps the current one. */
export function revisionFor(ordinal: number, p: Pick<PlanInput, 'start' | 'onDelete' | 'partition' | 'currentRevision' | 'updateRevision'>): string {
  if (!p.onDelete && ordinal < p.start + p.partition) return p.currentRevision;
  return p.updateRevision;
}

export function plan(p: PlanInput): Action[] {
  const actions: Action[] = [];
  const inRange = (o: number) => o >= p.start && o < p.start + p.replicas;
  const byOrdinal = new Map<number, PodView>();
  for (const pod of p.pods) if (inRange(pod.ordinal)) byOrdinal.set(pod.ordinal, pod);
  const condemned = p.pods.filter((pod) => !inRange(pod.ordinal)).sort((a, b) => b.ordinal - a.ordinal);

  // Replicas, lowest ordinal first.
  for (let o = p.start; o < p.start + p.replicas; o++) {
    const pod = byOrdinal.get(o);
    if (!pod) {
      actions.push({ kind: 'create', ordinal: o, revision: revisionFor(o, p) });
      if (p.ordered) return actions;
      continue;
    }
    if (pod.finished && !pod.terminating) {
      actions.push({ kind: 'delete', pod, why: 'finished' });
      if (p.ordered) return actions;
      continue;
    }
    if (p.ordered && (pod.terminating || !pod.healthy)) return actions;
  }

  // Pods past the end, highest ordinal first; in order, only while all the others are healthy.
  const unhealthy = p.pods.filter((pod) => pod.terminating || !pod.healthy);
  for (const pod of condemned) {
    if (pod.terminating) {
      if (p.ordered) return actions;
      continue;
    }
    // An unhealthy pod about to go may go; any other unhealthy pod holds the scale-down back.
    if (p.ordered && unhealthy.some((u) => u !== pod)) return actions;
    actions.push({ kind: 'delete', pod, why: 'condemned' });
    if (p.ordered) return actions;
  }
  if (actions.length > 0 || p.onDelete) return actions;

  // The rolling update, from the top ordinal down to the partition.
  for (let o = p.start + p.replicas - 1; o >= p.start + p.partition; o--) {
    const pod = byOrdinal.get(o);
    if (!pod) return actions;
    if (pod.revision !== p.updateRevision && !pod.terminating) {
      actions.push({ kind: 'delete', pod, why: 'update' });
      return actions;
    }
    if (pod.terminating || !pod.healthy) return actions;
  }
  return actions;
}
