// Which nodes a DaemonSet's pod belongs on: the template's nodeName, nodeSelector and required node
// affinity must admit the node, and the pod (with the tolerations every daemon pod gets) must
// tolerate the node's NoSchedule and NoExecute taints. A pod already there may stay as long as it
// tolerates the NoExecute ones.
import type { Affinity, Node, NodeSelectorRequirement, NodeSelectorTerm, PodSpec, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../../registry/types.js';

/** Daemons keep running through the conditions that would evict or keep away other pods. */
export function withDaemonTolerations(spec: PodSpec): PodSpec {
  const add: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
    ...(spec.hostNetwork ? [{ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' }] : []),
  ];
  const tolerations = [...(spec.tolerations ?? [])];
  for (const t of add) {
    // The same key, operator, value and effect is replaced (a user's tolerationSeconds is dropped), as upstream does.
    const at = tolerations.findIndex((u) => u.key === t.key && (u.operator ?? 'Equal') === t.operator && (u.value ?? '') === '' && u.effect === t.effect);
    if (at >= 0) tolerations[at] = t;
    else tolerations.push(t);
  }
  return { ...spec, tolerations };
}

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if ((t.operator ?? 'Equal') === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

const untolerated = (taints: Taint[], tolerations: Toleration[], effects: string[]) =>
  taints.some((taint) => effects.includes(taint.effect) && !tolerations.some((t) => tolerates(t, taint)));

function requirementHolds(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0])) return false;
      return r.operator === 'Gt' ? BigInt(value) > BigInt(values[0]) : BigInt(value) < BigInt(values[0]);
    }
    default: return false;
  }
}

function termMatches(term: NodeSelectorTerm, node: KObject): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return exprs.every((r) => requirementHolds(r, Object.prototype.hasOwnProperty.call(labels, r.key) ? labels[r.key] : undefined))
    && fields.every((r) => r.key === 'metadata.name' && requirementHolds(r, node.metadata.name));
}

export function nodeAdmits(spec: PodSpec, node: KObject): boolean {
  const labels = node.metadata.labels ?? {};
  if (!Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v)) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return !required || (required.nodeSelectorTerms ?? []).some((t) => termMatches(t, node));
}

export interface Placement {
  /** A daemon pod should be created here if missing. */
  shouldRun: boolean;
  /** A daemon pod already here may stay. */
  shouldContinueRunning: boolean;
}

export function placementOn(node: KObject, template: PodSpec | undefined): Placement {
  const spec = withDaemonTolerations(template ?? ({} as PodSpec));
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!nodeAdmits(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = (node as Node).spec?.taints ?? [];
  if (untolerated(taints, spec.tolerations ?? [], ['NoSchedule', 'NoExecute'])) {
    return { shouldRun: false, shouldContinueRunning: !untolerated(taints, spec.tolerations ?? [], ['NoExecute']) };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/** The template's affinity with its required node terms replaced by "this node only" (the node was
 *  already found to satisfy them); the scheduler binds the pod there. */
export function pinnedAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const pinned = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] };
  const copy = structuredClone(affinity ?? {});
  copy.nodeAffinity = { ...(copy.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: pinned };
  return copy;
}

/** The node a daemon pod is for: where it is bound, or the node its affinity pins it to. */
export function targetNodeOf(pod: KObject): string | undefined {
  const spec = (pod.spec ?? {}) as PodSpec;
  if (spec.nodeName) return spec.nodeName;
  for (const term of spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}
