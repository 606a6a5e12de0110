// Who a policy talks about: the pods it selects, the pods and namespaces its peers name, and the
// numbers behind named ports. Pure functions over the informers' current objects.
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { NetworkPolicy, NetworkPolicyPeer } from 'kubernetes-types/networking/v1.js';
import { selectorMatches } from '../../registry/validation/selector.js';
import { ipToInt } from '../ipv4.js';

/** kube-apiserver labels every namespace with its name; policies commonly select on it. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The pod's IPv4 address, or undefined when it has none or uses the node's network. */
export function podIPv4(pod: Pod): string | undefined {
  if (pod.spec?.hostNetwork) return undefined;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  const candidates = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)];
  return candidates.find((ip): ip is string => typeof ip === 'string' && ipToInt(ip) !== undefined);
}

export type NamespaceLabels = ReadonlyMap<string, Readonly<Record<string, string>>>;

export function namespaceLabels(namespaces: readonly Namespace[]): NamespaceLabels {
  const out = new Map<string, Record<string, string>>();
  for (const ns of namespaces) {
    const name = ns.metadata?.name;
    if (name) out.set(name, { ...(ns.metadata?.labels ?? {}), [NAMESPACE_NAME_LABEL]: name });
  }
  return out;
}

const labelsOf = (pod: Pod) => pod.metadata?.labels ?? {};

/** Whether `policy` selects `pod`: same namespace and a matching podSelector (an empty one selects all). */
export function policySelects(policy: NetworkPolicy, pod: Pod): boolean {
  return policy.metadata?.namespace === pod.metadata?.namespace && selectorMatches(policy.spec?.podSelector ?? {}, labelsOf(pod));
}

export function appliesTo(policy: NetworkPolicy, direction: 'Ingress' | 'Egress'): boolean {
  const types = policy.spec?.policyTypes;
  // The API defaults policyTypes; objects from elsewhere may lack it, so apply the same rule here.
  if (!types || types.length === 0) return direction === 'Ingress' || (policy.spec?.egress ?? []).length > 0;
  return types.includes(direction);
}

function namespaceMatches(selector: LabelSelector, namespace: string | undefined, labels: NamespaceLabels): boolean {
  if (!namespace) return false;
  // A namespace the cache has not seen yet still carries its name label.
  return selectorMatches(selector, labels.get(namespace) ?? { [NAMESPACE_NAME_LABEL]: namespace });
}

/** The pods a selector peer names: podSelector in the policy's namespace, namespaceSelector across namespaces, or both. */
export function peerPods(peer: NetworkPolicyPeer, policyNamespace: string, pods: readonly Pod[], labels: NamespaceLabels): Pod[] {
  if (!peer.podSelector && !peer.namespaceSelector) return [];
  return pods.filter((pod) => {
    const inNamespace = peer.namespaceSelector
      ? namespaceMatches(peer.namespaceSelector, pod.metadata?.namespace, labels)
      : pod.metadata?.namespace === policyNamespace;
    return inNamespace && selectorMatches(peer.podSelector ?? {}, labelsOf(pod));
  });
}

/** The container port numbers a pod names `name` for `protocol` (a port name may repeat across containers). */
export function namedPortNumbers(pod: Pod, name: string, protocol: string): number[] {
  const out = new Set<number>();
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const p of c.ports ?? []) if (p.name === name && (p.protocol ?? 'TCP') === protocol) out.add(p.containerPort);
  }
  return [...out].sort((a, b) => a - b);
}
