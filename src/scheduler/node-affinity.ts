// Which nodes a pod's nodeSelector and node affinity allow. Terms are ORed, the requirements inside
// a term are ANDed; matchExpressions read the node's labels and matchFields its metadata.name (the
// only field a node selector may name).
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, PodSpec, PreferredSchedulingTerm } from 'kubernetes-types/core/v1.js';

export const nodeNameField = 'metadata.name';

function requirementMatches(r: NodeSelectorRequirement, values: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(values, r.key);
  const value = has ? values[r.key]! : undefined;
  const listed = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && listed.includes(value!);
    case 'NotIn':
      return !has || !listed.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      // Both sides must be plain integers; anything else matches nothing.
      if (!has || listed.length !== 1 || !/^[+-]?\d+$/.test(value!) || !/^[+-]?\d+$/.test(listed[0]!)) return false;
      const [mine, bound] = [BigInt(value!), BigInt(listed[0]!)];
      return r.operator === 'Gt' ? mine > bound : mine < bound;
    }
    default:
      return false;
  }
}

/** An empty term selects no node. */
export function termMatches(term: NodeSelectorTerm | undefined, labels: Readonly<Record<string, string>>, nodeName: string): boolean {
  const exprs = term?.matchExpressions ?? [];
  const fields = term?.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const fieldValues = { [nodeNameField]: nodeName };
  return exprs.every((r) => requirementMatches(r, labels)) && fields.every((r) => requirementMatches(r, fieldValues));
}

export interface RequiredNodeAffinity {
  nodeSelector?: Readonly<Record<string, string>>;
  /** undefined when the pod has no required node affinity. */
  terms?: readonly NodeSelectorTerm[];
}

export function requiredNodeAffinity(spec: PodSpec | undefined): RequiredNodeAffinity {
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return {
    ...(spec?.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
    ...(required ? { terms: required.nodeSelectorTerms ?? [] } : {}),
  };
}

export function nodeMatchesRequired(a: RequiredNodeAffinity, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  if (a.nodeSelector) {
    for (const [k, v] of Object.entries(a.nodeSelector)) if (labels[k] !== v) return false;
  }
  if (a.terms) return a.terms.some((t) => termMatches(t, labels, node.metadata?.name ?? ''));
  return true;
}

/**
 * The nodes a pod is pinned to by name (matchFields metadata.name In [...], as the DaemonSet
 * controller writes), so only those are checked; 'all' when some term does not pin, 'conflict' when
 * every term pins and no name satisfies them (the pod fits nowhere).
 */
export function pinnedNodeNames(spec: PodSpec | undefined): ReadonlySet<string> | 'all' | 'conflict' {
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms?.length) return 'all';
  const union = new Set<string>();
  for (const t of terms) {
    let names: Set<string> | undefined;
    for (const r of t.matchFields ?? []) {
      if (r.key !== nodeNameField || r.operator !== 'In') continue;
      const these = new Set(r.values ?? []);
      names = names ? new Set([...names].filter((n) => these.has(n))) : these;
    }
    if (!names) return 'all';
    for (const n of names) union.add(n);
  }
  return union.size === 0 ? 'conflict' : union;
}

/** The summed weights of the preferred terms a node matches. */
export function preferredAffinityWeight(terms: readonly PreferredSchedulingTerm[], node: Node): number {
  const labels = node.metadata?.labels ?? {};
  let sum = 0;
  for (const t of terms) if (t.weight && termMatches(t.preference, labels, node.metadata?.name ?? '')) sum += t.weight;
  return sum;
}
