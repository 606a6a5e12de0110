// Which labels a node may put on its own Node object. Labels under kubernetes.io and k8s.io carry
// meaning for the cluster (roles, restrictions that pin workloads to trusted nodes), so a node
// setting them itself could draw workloads meant elsewhere; only its own well-known facts and the
// kubelet.kubernetes.io and node.kubernetes.io namespaces are its to write, as upstream's
// NodeRestriction admission rules.

const selfLabels = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/arch',
  'kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
]);

const under = (domain: string, root: string) => domain === root || domain.endsWith(`.${root}`);

/** True when a node may not set or change `key` on its own Node. */
export function isRestrictedNodeLabel(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const domain = key.slice(0, slash);
  if (under(domain, 'node-restriction.kubernetes.io')) return true;
  if (!under(domain, 'kubernetes.io') && !under(domain, 'k8s.io')) return false;
  if (selfLabels.has(key)) return false;
  return !(under(domain, 'kubelet.kubernetes.io') || under(domain, 'node.kubernetes.io'));
}

/** Keys whose value differs between the two label sets (added, changed or removed) and that a node
 *  may not touch, sorted. */
export function restrictedLabelChanges(next: Record<string, string> | undefined, prev: Record<string, string> | undefined): string[] {
  const keys = new Set([...Object.keys(next ?? {}), ...Object.keys(prev ?? {})]);
  return [...keys].filter((k) => next?.[k] !== prev?.[k] && isRestrictedNodeLabel(k)).sort();
}
