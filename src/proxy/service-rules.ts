// One Service's share of the proxy's rules: its lines in the shared chains (K3TS-SERVICES,
// K3TS-NODEPORTS, K3TS-PROXY-REJECT) and its own SVC/SVL/EXT/SEP chains. Computed per Service so an
// unchanged Service's share can be reused as is on the next sync.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ipToInt } from '../network/ipv4.js';
import { endpointChain, externalChain, FILTER_REJECT, localChain, NAT_MARK_MASQ, NAT_NODEPORTS, NAT_SERVICES, serviceChain } from './chains.js';
import { categorize, indexBackends, portKey, type Backend, type Protocol } from './endpoints.js';
import { ChainSet, type Match } from './rule-text.js';

export const DEFAULT_AFFINITY_SECONDS = 10800;

export interface ServiceContext {
  nodeName: string;
  /** The cluster CIDR, normalised (`10.244.0.0/16`). */
  cidr: string;
}

export interface ServiceFragment {
  nat: Map<string, string[]>;
  filter: Map<string, string[]>;
}

interface Ctx extends ServiceContext {
  nat: ChainSet;
  filter: ChainSet;
}

const host = (ip: string) => `${ip}/32`;
export const validIp = (ip: string | undefined): ip is string => ip !== undefined && ipToInt(ip) !== undefined;

/** What a rejected connection sees: a reset for TCP, port-unreachable for UDP; both fail at once. */
const reject = (proto: Protocol) => ['REJECT', '--reject-with', proto === 'TCP' ? 'tcp-reset' : 'icmp-port-unreachable'];

export const serviceKey = (svc: Service) => `${svc.metadata?.namespace ?? 'default'}/${svc.metadata?.name ?? ''}`;

/** `slices` are this Service's EndpointSlices (others are ignored anyway). */
export function serviceRules(svc: Service, slices: readonly EndpointSlice[], context: ServiceContext): ServiceFragment {
  const ctx: Ctx = { ...context, nat: new ChainSet(), filter: new ChainSet() };
  writeService(ctx, svc, indexBackends(slices).get(serviceKey(svc)));
  return { nat: ctx.nat.chains, filter: ctx.filter.chains };
}

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
      name: `${serviceKey(svc)}:${port.name ?? ''}`,
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
  // Per-endpoint rules carry no comment: there are thousands, each slows iptables-restore, and the DNAT names the pod.
  for (const [sep, b] of used) {
    // Hairpin: a pod reaching itself through the service must see the reply come from the node, not itself.
    nat.add(sep, { src: host(b.ip) }, [NAT_MARK_MASQ]);
    const affinity = s.affinitySeconds !== undefined ? ['-m', 'recent', '--set', '--name', sep, '--mask', '255.255.255.255', '--rsource'] : [];
    nat.add(sep, { proto: p, extra: affinity }, ['DNAT', '--to-destination', `${b.ip}:${b.port}`]);
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
  const seps = backends.map((b) => endpointChain(id, b.ip, b.port));
  if (s.affinitySeconds !== undefined) {
    for (const sep of seps) {
      nat.add(chain, { extra: ['-m', 'recent', '--rcheck', '--seconds', String(s.affinitySeconds), '--reap', '--name', sep, '--mask', '255.255.255.255', '--rsource'] }, [sep]);
    }
  }
  seps.forEach((sep, i) => {
    const left = seps.length - i;
    nat.add(chain, left > 1 ? { extra: ['-m', 'statistic', '--mode', 'nth', '--every', String(left), '--packet', '0'] } : {}, [sep]);
  });
}
