// Services and EndpointSlices in, the proxy's own iptables chains out: a pure function, so every
// behaviour is tested without root and the applier only has to write what this returns.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ipToInt, parseCidr } from '../network/ipv4.js';
import {
  endpointChain,
  externalChain,
  FILTER_FIREWALL,
  FILTER_FORWARD,
  FILTER_REJECT,
  localChain,
  NAT_MARK_MASQ,
  NAT_NODEPORTS,
  NAT_POSTROUTING,
  NAT_SERVICES,
  ruleLine,
  serviceChain,
} from './chains.js';
import { categorize, indexBackends, portKey, type Backend, type Protocol } from './endpoints.js';

/** Each chain's rules, in order, exactly as `iptables-save` prints them (`-A CHAIN ...`). */
export type ChainRules = ReadonlyMap<string, readonly string[]>;

export interface ProxyRules {
  nat: ChainRules;
  filter: ChainRules;
}

export interface ProxyRulesOptions {
  /** The one mark bit that asks POSTROUTING to masquerade; kube-proxy's is 0x4000. */
  masqueradeMark?: number;
}

export interface ProxyRulesInput {
  services: readonly Service[];
  endpointSlices: readonly EndpointSlice[];
  nodeName: string;
  /** NodePorts answer on these and on 127.0.0.1. */
  nodeIPs: readonly string[];
  /** Pod addresses: traffic from elsewhere to a ClusterIP is masqueraded so replies come back through this node. */
  clusterCidr: string;
  options?: ProxyRulesOptions;
}

export const DEFAULT_MASQUERADE_MARK = 0x4000;
export const DEFAULT_AFFINITY_SECONDS = 10800;

interface Match {
  src?: string;
  notSrc?: string;
  dst?: string;
  proto?: Protocol;
  comment?: string;
  /** Further matches, placed before the port match (iptables-save keeps the order they were given in). */
  extra?: string[];
  dport?: number;
}

function spec(m: Match, target: string[]): string[] {
  const w: string[] = [];
  if (m.notSrc) w.push('!', '-s', m.notSrc);
  else if (m.src) w.push('-s', m.src);
  if (m.dst) w.push('-d', m.dst);
  const proto = m.proto?.toLowerCase();
  if (proto) w.push('-p', proto);
  if (m.comment) w.push('-m', 'comment', '--comment', m.comment);
  if (m.extra) w.push(...m.extra);
  if (m.dport !== undefined && proto) w.push('-m', proto, '--dport', String(m.dport));
  w.push('-j', ...target);
  return w;
}

class ChainSet {
  readonly chains = new Map<string, string[]>();
  declare(chain: string): void {
    if (!this.chains.has(chain)) this.chains.set(chain, []);
  }
  add(chain: string, m: Match, target: string[]): void {
    this.declare(chain);
    this.chains.get(chain)!.push(ruleLine(chain, spec(m, target)));
  }
}

const hex = (n: number) => `0x${n.toString(16)}`;
const host = (ip: string) => `${ip}/32`;
const validIp = (ip: string | undefined): ip is string => ip !== undefined && ipToInt(ip) !== undefined;

/** What a rejected connection sees: a reset for TCP, port-unreachable for UDP; both fail at once. */
const reject = (proto: Protocol) => ['REJECT', '--reject-with', proto === 'TCP' ? 'tcp-reset' : 'icmp-port-unreachable'];

interface Ctx {
  nat: ChainSet;
  filter: ChainSet;
  nodeName: string;
  cidr: string;
  mark: string;
}

export function buildProxyRules(input: ProxyRulesInput): ProxyRules {
  const mark = input.options?.masqueradeMark ?? DEFAULT_MASQUERADE_MARK;
  if (!Number.isInteger(mark) || mark <= 0 || (mark & (mark - 1)) !== 0 || mark > 0x80000000) {
    throw new Error(`masqueradeMark must be a single bit, got ${mark}`);
  }
  const markMask = `${hex(mark)}/${hex(mark)}`;
  const ctx: Ctx = { nat: new ChainSet(), filter: new ChainSet(), nodeName: input.nodeName, cidr: parseCidr(input.clusterCidr).text, mark: markMask };
  const { nat, filter } = ctx;
  for (const c of [NAT_SERVICES, NAT_NODEPORTS, NAT_MARK_MASQ, NAT_POSTROUTING]) nat.declare(c);
  for (const c of [FILTER_REJECT, FILTER_FORWARD, FILTER_FIREWALL]) filter.declare(c);

  nat.add(NAT_MARK_MASQ, {}, ['MARK', '--set-xmark', markMask]);
  nat.add(NAT_POSTROUTING, { extra: ['-m', 'mark', '!', '--mark', markMask] }, ['RETURN']);
  // Clearing the bit keeps a packet that passes POSTROUTING twice (bridge, then route) from being NATed twice.
  nat.add(NAT_POSTROUTING, {}, ['MARK', '--set-xmark', `${hex(mark)}/0x0`]);
  nat.add(NAT_POSTROUTING, { comment: 'k3ts service traffic requiring SNAT' }, ['MASQUERADE', '--random-fully']);
  filter.add(FILTER_FORWARD, { comment: 'k3ts forwarding rules', extra: ['-m', 'mark', '--mark', markMask] }, ['ACCEPT']);
  filter.add(FILTER_FORWARD, { comment: 'k3ts forwarding conntrack rule', extra: ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED'] }, ['ACCEPT']);
  // route_localnet (for 127.0.0.1:nodePort) would otherwise let other hosts reach services bound to loopback.
  filter.add(
    FILTER_FIREWALL,
    { notSrc: '127.0.0.0/8', dst: '127.0.0.0/8', comment: 'block incoming localnet connections', extra: ['-m', 'conntrack', '!', '--ctstate', 'RELATED,ESTABLISHED,DNAT'] },
    ['DROP'],
  );

  const index = indexBackends(input.endpointSlices);
  const services = [...input.services].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  for (const svc of services) writeService(ctx, svc, index.get(keyOf(svc)));

  // Last in K3TS-SERVICES: anything not a ClusterIP or external IP may still be a NodePort.
  for (const ip of new Set([...input.nodeIPs.filter(validIp), '127.0.0.1'])) {
    nat.add(NAT_SERVICES, { dst: host(ip), comment: 'k3ts service nodeports; must stay last' }, [NAT_NODEPORTS]);
  }
  return { nat: nat.chains, filter: filter.chains };
}

const keyOf = (svc: Service) => `${svc.metadata?.namespace ?? 'default'}/${svc.metadata?.name ?? ''}`;

function writeService(ctx: Ctx, svc: Service, backendsByPort: Map<string, Backend[]> | undefined): void {
  const spec = svc.spec;
  if (!spec || spec.type === 'ExternalName') return;
  const clusterIP = spec.clusterIP;
  // Headless services are DNS only; an unset or IPv6 ClusterIP is nothing this proxy can program.
  if (!validIp(clusterIP)) return;
  const hasNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  const externalIPs = (spec.externalIPs ?? []).filter(validIp);
  const lbIPs = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter(validIp);
  const externallyAccessible = hasNodePorts || externalIPs.length > 0 || lbIPs.length > 0;
  const affinitySeconds =
    spec.sessionAffinity === 'ClientIP' ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS : undefined;
  for (const port of spec.ports ?? []) {
    const proto = port.protocol ?? 'TCP';
    // SCTP needs the sctp match and module; not supported yet.
    if (proto !== 'TCP' && proto !== 'UDP') continue;
    writeServicePort(ctx, {
      name: `${keyOf(svc)}:${port.name ?? ''}`,
      proto,
      clusterIP,
      port: port.port,
      nodePort: hasNodePorts ? port.nodePort : undefined,
      externalIPs,
      lbIPs,
      externallyAccessible,
      internalLocal: spec.internalTrafficPolicy === 'Local',
      externalLocal: externallyAccessible && spec.externalTrafficPolicy === 'Local',
      affinitySeconds,
      backends: backendsByPort?.get(portKey(port.name, proto)) ?? [],
    });
  }
}

interface ServicePortInfo {
  /** `namespace/name:portName`, as in kube-proxy's comments. */
  name: string;
  proto: Protocol;
  clusterIP: string;
  port: number;
  nodePort: number | undefined;
  externalIPs: string[];
  lbIPs: string[];
  externallyAccessible: boolean;
  internalLocal: boolean;
  externalLocal: boolean;
  affinitySeconds: number | undefined;
  backends: Backend[];
}

function writeServicePort(ctx: Ctx, s: ServicePortInfo): void {
  const { nat, filter } = ctx;
  const id = `${s.name}/${s.proto}`;
  const { cluster, local } = categorize(s.backends, ctx.nodeName);
  const hasEndpoints = cluster.length > 0 || local.length > 0;
  // External Local traffic still short-circuits pod and host sources to the cluster chain, so it needs one.
  const usesCluster = cluster.length > 0 && (!s.internalLocal || s.externallyAccessible);
  const usesLocal = local.length > 0 && (s.internalLocal || s.externalLocal);
  const svcC = serviceChain(id);
  const svlC = localChain(id);
  const extC = externalChain(id);
  const hasInternal = s.internalLocal ? local.length > 0 : hasEndpoints;
  const hasExternal = s.externalLocal ? local.length > 0 : hasEndpoints;
  const p = s.proto;

  if (hasInternal) {
    nat.add(NAT_SERVICES, { dst: host(s.clusterIP), proto: p, comment: `${s.name} cluster IP`, dport: s.port }, [s.internalLocal ? svlC : svcC]);
  }
  if (hasEndpoints && s.externallyAccessible) {
    for (const ip of s.externalIPs) nat.add(NAT_SERVICES, { dst: host(ip), proto: p, comment: `${s.name} external IP`, dport: s.port }, [extC]);
    for (const ip of s.lbIPs) nat.add(NAT_SERVICES, { dst: host(ip), proto: p, comment: `${s.name} loadbalancer IP`, dport: s.port }, [extC]);
    if (s.nodePort) nat.add(NAT_NODEPORTS, { proto: p, comment: s.name, dport: s.nodePort }, [extC]);
    if (!s.externalLocal) {
      // The backend may be on another node: its reply must come back through this one to be un-NATed.
      nat.add(extC, { comment: `masquerade traffic for ${s.name} external destinations` }, [NAT_MARK_MASQ]);
      nat.add(extC, {}, [svcC]);
    } else {
      if (usesCluster) {
        nat.add(extC, { src: ctx.cidr, comment: `pod traffic for ${s.name} external destinations` }, [svcC]);
        // The node's own traffic (127.0.0.1, its own IP) cannot keep its source address on the way to a pod.
        nat.add(extC, { comment: `masquerade LOCAL traffic for ${s.name} external destinations`, extra: ['-m', 'addrtype', '--src-type', 'LOCAL'] }, [NAT_MARK_MASQ]);
        nat.add(extC, { comment: `route LOCAL traffic for ${s.name} external destinations`, extra: ['-m', 'addrtype', '--src-type', 'LOCAL'] }, [svcC]);
      }
      if (usesLocal) nat.add(extC, {}, [svlC]);
    }
  }
  if (usesCluster) {
    if (!s.internalLocal) {
      nat.add(svcC, { notSrc: ctx.cidr, dst: host(s.clusterIP), proto: p, comment: `${s.name} cluster IP`, dport: s.port }, [NAT_MARK_MASQ]);
    }
    balance(nat, svcC, id, s, cluster);
  }
  if (usesLocal) balance(nat, svlC, id, s, local);
  const used = new Map<string, Backend>();
  for (const b of [...(usesCluster ? cluster : []), ...(usesLocal ? local : [])]) used.set(endpointChain(id, b.ip, b.port), b);
  for (const [sep, b] of used) {
    // Hairpin: a pod reaching itself through the service must see the reply come from the node, not itself.
    nat.add(sep, { src: host(b.ip), comment: s.name }, [NAT_MARK_MASQ]);
    const affinity = s.affinitySeconds !== undefined ? ['-m', 'recent', '--set', '--name', sep, '--mask', '255.255.255.255', '--rsource'] : [];
    nat.add(sep, { proto: p, comment: s.name, extra: affinity }, ['DNAT', '--to-destination', `${b.ip}:${b.port}`]);
  }

  const targets: Array<{ dst?: string; local?: boolean; port: number; scope: 'internal' | 'external' }> = [
    { dst: host(s.clusterIP), port: s.port, scope: 'internal' },
    ...[...s.externalIPs, ...s.lbIPs].map((ip) => ({ dst: host(ip), port: s.port, scope: 'external' as const })),
    ...(s.nodePort ? [{ local: true, port: s.nodePort, scope: 'external' as const }] : []),
  ];
  for (const t of targets) {
    const blocked = !hasEndpoints ? 'none' : t.scope === 'internal' ? (hasInternal ? undefined : 'nonlocal') : hasExternal ? undefined : 'nonlocal';
    if (!blocked) continue;
    const m: Match = {
      dst: t.dst,
      proto: p,
      comment: `${s.name} has no ${blocked === 'none' ? '' : 'local '}endpoints`,
      extra: t.local ? ['-m', 'addrtype', '--dst-type', 'LOCAL'] : undefined,
      dport: t.port,
    };
    // No endpoints at all: refuse so clients fail fast. Endpoints elsewhere only: drop like kube-proxy, so a
    // load balancer's health check (not a refused client) is what moves traffic to a node that has one.
    filter.add(FILTER_REJECT, m, blocked === 'none' ? reject(p) : ['DROP']);
  }
}

/** Strict rotation over new connections: rule i takes every (n-i)-th of what the rules before it let through. */
function balance(nat: ChainSet, chain: string, id: string, s: ServicePortInfo, backends: Backend[]): void {
  const seps = backends.map((b) => ({ b, sep: endpointChain(id, b.ip, b.port) }));
  if (s.affinitySeconds !== undefined) {
    for (const { b, sep } of seps) {
      nat.add(
        chain,
        { comment: `${s.name} -> ${b.ip}:${b.port}`, extra: ['-m', 'recent', '--rcheck', '--seconds', String(s.affinitySeconds), '--reap', '--name', sep, '--mask', '255.255.255.255', '--rsource'] },
        [sep],
      );
    }
  }
  seps.forEach(({ b, sep }, i) => {
    const left = seps.length - i;
    const extra = left > 1 ? ['-m', 'statistic', '--mode', 'nth', '--every', String(left), '--packet', '0'] : undefined;
    nat.add(chain, { comment: `${s.name} -> ${b.ip}:${b.port}`, extra }, [sep]);
  });
}
