// Services and EndpointSlices in, the proxy's own iptables chains out: a pure function, so every
// behaviour is tested without root and the applier only has to write what this returns. Each
// Service's share comes from service-rules.ts; this file adds the fixed chains and puts them together.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { parseCidr } from '../network/ipv4.js';
import { FILTER_FIREWALL, FILTER_FORWARD, FILTER_REJECT, NAT_MARK_MASQ, NAT_NODEPORTS, NAT_POSTROUTING, NAT_SERVICES } from './chains.js';
import { SERVICE_NAME_LABEL } from './endpoints.js';
import { ChainSet } from './rule-text.js';
import { serviceKey, serviceRules, validIp, type ServiceFragment } from './service-rules.js';

export { DEFAULT_AFFINITY_SECONDS } from './service-rules.js';

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

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * Remembers each Service's share between builds, keyed by the Service object and its slices: the
 * informers hand out a new object for every change, so the same objects mean the same rules.
 */
export class ProxyRulesCache {
  private context = '';
  private entries = new WeakMap<Service, { slices: readonly EndpointSlice[]; fragment: ServiceFragment }>();

  /** Forgets everything when the node's name or CIDR changed. */
  forContext(context: string): this {
    if (context !== this.context) {
      this.context = context;
      this.entries = new WeakMap();
    }
    return this;
  }
  get(svc: Service, slices: readonly EndpointSlice[]): ServiceFragment | undefined {
    const e = this.entries.get(svc);
    return e && e.slices.length === slices.length && e.slices.every((s, i) => s === slices[i]) ? e.fragment : undefined;
  }
  set(svc: Service, slices: readonly EndpointSlice[], fragment: ServiceFragment): void {
    this.entries.set(svc, { slices, fragment });
  }
}

export function buildProxyRules(input: ProxyRulesInput, cache?: ProxyRulesCache): ProxyRules {
  const mark = input.options?.masqueradeMark ?? DEFAULT_MASQUERADE_MARK;
  if (!Number.isInteger(mark) || mark <= 0 || (mark & (mark - 1)) !== 0 || mark > 0x80000000) {
    throw new Error(`masqueradeMark must be a single bit, got ${mark}`);
  }
  const markMask = `${hex(mark)}/${hex(mark)}`;
  const context = { nodeName: input.nodeName, cidr: parseCidr(input.clusterCidr).text };
  const nat = new ChainSet();
  const filter = new ChainSet();
  // The shared chains first, so they lead the restore text.
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

  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const slice of input.endpointSlices) {
    const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!name) continue;
    const key = `${slice.metadata?.namespace ?? 'default'}/${name}`;
    const list = slicesByService.get(key);
    if (list) list.push(slice);
    else slicesByService.set(key, [slice]);
  }
  const memo = cache?.forContext(`${context.nodeName} ${context.cidr}`);
  const keyed = input.services.map((svc) => ({ svc, key: serviceKey(svc) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { svc, key } of keyed) {
    const slices = slicesByService.get(key) ?? [];
    let fragment = memo?.get(svc, slices);
    if (!fragment) {
      fragment = serviceRules(svc, slices, context);
      memo?.set(svc, slices, fragment);
    }
    merge(nat.chains, fragment.nat);
    merge(filter.chains, fragment.filter);
  }

  // Last in K3TS-SERVICES: anything not a ClusterIP or external IP may still be a NodePort.
  for (const ip of new Set([...input.nodeIPs.filter(validIp), '127.0.0.1'])) {
    nat.add(NAT_SERVICES, { dst: `${ip}/32`, comment: 'k3ts service nodeports; must stay last' }, [NAT_NODEPORTS]);
  }
  return { nat: nat.chains, filter: filter.chains };
}

/** A Service's own chains are taken as they are (the same arrays, so an unchanged one compares in O(1)); shared ones are appended to. */
function merge(into: Map<string, string[]>, from: ReadonlyMap<string, string[]>): void {
  for (const [chain, rules] of from) {
    const shared = into.get(chain);
    if (shared) shared.push(...rules);
    else into.set(chain, rules);
  }
}
