// The rule builder: from pods, namespaces and policies to the filter-table chains this node needs.
// Pure, so every semantic is a unit test; applier.ts only writes what this returns.
//
// Layout: FORWARD jumps to K3TS-NP-FORWARD, which lets established traffic through and sends each
// isolated pod's packets to that pod's chains (K3TS-NP-E-* for what it sends, K3TS-NP-I-* for what it
// receives). A pod chain RETURNs what some rule allows and DROPs the rest. Nothing here ever ACCEPTs,
// so the host's own FORWARD rules still see every packet a policy allows.
import { createHash } from 'node:crypto';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from 'kubernetes-types/networking/v1.js';
import { cidrContains, tryParseCidr } from '../ipv4.js';
import { ipBlockRanges } from './ip-block.js';
import { appliesTo, namedPortNumbers, namespaceLabels, peerPods, podIPv4, policySelects, type NamespaceLabels } from './selection.js';

export const CHAIN_PREFIX = 'K3TS-NP-';
export const DISPATCH_CHAIN = `${CHAIN_PREFIX}FORWARD`;

export interface PolicyInputs {
  nodeName: string;
  pods: readonly Pod[];
  namespaces: readonly Namespace[];
  policies: readonly NetworkPolicy[];
  /** When set, only pods with an address in it count as this node's (a stale status cannot claim a foreign IP). */
  podCidr?: string;
}

export interface PolicyChain {
  name: string;
  /** Rule specifications, each what follows `-A <name>` in iptables-restore. */
  rules: string[];
}

/** Every chain this node should have, the dispatch chain first. */
export interface PolicyRules {
  chains: PolicyChain[];
}

type Direction = 'Ingress' | 'Egress';

interface PortMatch {
  protocol?: string;
  /** `80` or `8000:9000`. */
  dport?: string;
}

interface Context {
  pods: readonly Pod[];
  labels: NamespaceLabels;
}

const podKey = (pod: Pod) => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;

/** A chain name per pod and direction; 16 hex digits keep it far inside iptables' 28 characters. */
export function podChainName(pod: Pod, direction: Direction): string {
  const digest = createHash('sha256').update(podKey(pod)).digest('hex').slice(0, 16).toUpperCase();
  return `${CHAIN_PREFIX}${direction === 'Ingress' ? 'I' : 'E'}-${digest}`;
}

function portMatchText(m: PortMatch): string {
  if (!m.protocol) return '';
  const proto = m.protocol.toLowerCase();
  return m.dport ? `-p ${proto} -m ${proto} --dport ${m.dport}` : `-p ${proto}`;
}

/** Numeric ports (and protocol-only ones) as matches; named ports are resolved by the caller. */
function numericPorts(ports: readonly NetworkPolicyPort[]): PortMatch[] {
  return ports.flatMap((p): PortMatch[] => {
    const protocol = p.protocol ?? 'TCP';
    if (p.port === undefined) return [{ protocol }];
    if (typeof p.port === 'number') return [{ protocol, dport: p.endPort !== undefined && p.endPort > p.port ? `${p.port}:${p.endPort}` : `${p.port}` }];
    return [];
  });
}

const namedPorts = (ports: readonly NetworkPolicyPort[]) =>
  ports.filter((p): p is NetworkPolicyPort & { port: string } => typeof p.port === 'string');

/** Source or destination ranges a peer list allows; undefined means "anywhere" (no peers given). */
function peerRanges(peers: readonly NetworkPolicyPeer[] | undefined, policyNamespace: string, ctx: Context): string[] | undefined {
  if (!peers || peers.length === 0) return undefined;
  const out: string[] = [];
  for (const peer of peers) {
    if (peer.ipBlock) out.push(...ipBlockRanges(peer.ipBlock.cidr, peer.ipBlock.except ?? []));
    else for (const pod of peerPods(peer, policyNamespace, ctx.pods, ctx.labels)) {
      const ip = podIPv4(pod);
      if (ip) out.push(`${ip}/32`);
    }
  }
  return out;
}

/** Pods a peer list could be talking to, for resolving egress named ports against the destination. */
function peerCandidatePods(peers: readonly NetworkPolicyPeer[] | undefined, policyNamespace: string, ctx: Context): Pod[] {
  if (!peers || peers.length === 0) return ctx.pods.filter((p) => podIPv4(p));
  const out = new Set<Pod>();
  for (const peer of peers) {
    if (peer.ipBlock) {
      const ranges = ipBlockRanges(peer.ipBlock.cidr, peer.ipBlock.except ?? []).map((r) => tryParseCidr(r)!);
      for (const pod of ctx.pods) {
        const ip = podIPv4(pod);
        if (ip && ranges.some((r) => cidrContains(r, ip))) out.add(pod);
      }
    } else {
      for (const pod of peerPods(peer, policyNamespace, ctx.pods, ctx.labels)) if (podIPv4(pod)) out.add(pod);
    }
  }
  return [...out];
}

function combine(addrFlag: '-s' | '-d', ranges: string[] | undefined, ports: PortMatch[]): string[] {
  const addrs = ranges === undefined ? [''] : ranges.map((r) => `${addrFlag} ${r}`);
  return addrs.flatMap((a) => ports.map((p) => [a, portMatchText(p), '-j RETURN'].filter(Boolean).join(' ')));
}

/** What one ingress rule of a policy lets into `pod`. */
function ingressRule(pod: Pod, policy: NetworkPolicy, ruleIndex: number, ctx: Context): string[] {
  const rule = policy.spec!.ingress![ruleIndex]!;
  const ports = rule.ports ?? [];
  const matches: PortMatch[] = ports.length === 0 ? [{}] : [...numericPorts(ports)];
  // An ingress named port is the protected pod's own port of that name.
  for (const p of namedPorts(ports)) {
    const protocol = p.protocol ?? 'TCP';
    for (const n of namedPortNumbers(pod, p.port, protocol)) matches.push({ protocol, dport: `${n}` });
  }
  if (matches.length === 0) return [];
  return combine('-s', peerRanges(rule.from, policy.metadata!.namespace!, ctx), matches);
}

/** What one egress rule of a policy lets `pod` send. */
function egressRule(policy: NetworkPolicy, ruleIndex: number, ctx: Context): string[] {
  const rule = policy.spec!.egress![ruleIndex]!;
  const ports = rule.ports ?? [];
  const namespace = policy.metadata!.namespace!;
  const numeric: PortMatch[] = ports.length === 0 ? [{}] : numericPorts(ports);
  const out = numeric.length > 0 ? combine('-d', peerRanges(rule.to, namespace, ctx), numeric) : [];
  // An egress named port belongs to the destination, so it is resolved per destination pod.
  const named = namedPorts(ports);
  if (named.length > 0) {
    for (const dest of peerCandidatePods(rule.to, namespace, ctx)) {
      for (const p of named) {
        const protocol = p.protocol ?? 'TCP';
        const matches = namedPortNumbers(dest, p.port, protocol).map((n): PortMatch => ({ protocol, dport: `${n}` }));
        out.push(...combine('-d', [`${podIPv4(dest)!}/32`], matches));
      }
    }
  }
  return out;
}

function podChain(pod: Pod, direction: Direction, policies: readonly NetworkPolicy[], ctx: Context): PolicyChain | undefined {
  const selecting = policies.filter((p) => appliesTo(p, direction) && policySelects(p, pod));
  if (selecting.length === 0) return undefined;
  const allowed = new Set<string>();
  for (const policy of selecting) {
    const rules = (direction === 'Ingress' ? policy.spec?.ingress : policy.spec?.egress) ?? [];
    rules.forEach((_, i) => {
      for (const r of direction === 'Ingress' ? ingressRule(pod, policy, i, ctx) : egressRule(policy, i, ctx)) allowed.add(r);
    });
  }
  return { name: podChainName(pod, direction), rules: [...allowed, '-j DROP'] };
}

function isLocal(pod: Pod, nodeName: string, podCidr: ReturnType<typeof tryParseCidr>): boolean {
  if (pod.spec?.nodeName !== nodeName) return false;
  const ip = podIPv4(pod);
  return ip !== undefined && (!podCidr || cidrContains(podCidr, ip));
}

export function buildPolicyRules(input: PolicyInputs): PolicyRules {
  const ctx: Context = { pods: input.pods, labels: namespaceLabels(input.namespaces) };
  const cidr = input.podCidr ? tryParseCidr(input.podCidr) : undefined;
  const local = input.pods.filter((p) => isLocal(p, input.nodeName, cidr)).sort((a, b) => podKey(a).localeCompare(podKey(b)));
  const dispatch: string[] = [];
  const podChains: PolicyChain[] = [];
  for (const pod of local) {
    const ip = podIPv4(pod)!;
    for (const direction of ['Egress', 'Ingress'] as const) {
      const chain = podChain(pod, direction, input.policies, ctx);
      if (!chain) continue;
      podChains.push(chain);
      const flag = direction === 'Ingress' ? '-d' : '-s';
      dispatch.push(`${flag} ${ip}/32 -m comment --comment "${podKey(pod)} ${direction.toLowerCase()}" -j ${chain.name}`);
    }
  }
  // Replies and related ICMP of allowed connections pass before any pod chain is asked.
  if (dispatch.length > 0) dispatch.unshift('-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN');
  return { chains: [{ name: DISPATCH_CHAIN, rules: dispatch }, ...podChains] };
}
