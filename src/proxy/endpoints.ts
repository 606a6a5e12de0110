// Which backends a Service port may send to, read from EndpointSlices the way kube-proxy reads
// them: a nil ready/serving means yes, terminating backends are a fallback only, and each
// traffic policy (Cluster, Local) gets its own list.
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ipToInt } from '../network/ipv4.js';

export type Protocol = 'TCP' | 'UDP';

export interface Backend {
  ip: string;
  port: number;
  nodeName?: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/** The label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** `namespace/service` -> `portName/protocol` -> backends (deduplicated, sorted by address). */
export type BackendIndex = Map<string, Map<string, Backend[]>>;

export const portKey = (name: string | undefined, protocol: string | undefined) => `${name ?? ''}/${protocol ?? 'TCP'}`;

export function indexBackends(slices: readonly EndpointSlice[]): BackendIndex {
  const index: BackendIndex = new Map();
  for (const slice of slices) {
    const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    // IPv6 and FQDN slices are not ours to program: the proxy is IPv4-only.
    if (!service || slice.addressType !== 'IPv4') continue;
    const svcKey = `${slice.metadata?.namespace ?? 'default'}/${service}`;
    let ports = index.get(svcKey);
    if (!ports) index.set(svcKey, (ports = new Map()));
    for (const p of slice.ports ?? []) {
      if (p.port === undefined) continue;
      const key = portKey(p.name, p.protocol);
      let list = ports.get(key);
      if (!list) ports.set(key, (list = []));
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses[0];
        if (!ip || ipToInt(ip) === undefined) continue;
        const ready = ep.conditions?.ready ?? true;
        list.push({
          ip,
          port: p.port,
          ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
          ready,
          serving: ep.conditions?.serving ?? ready,
          terminating: ep.conditions?.terminating ?? false,
        });
      }
    }
  }
  for (const ports of index.values()) {
    for (const [key, list] of ports) ports.set(key, dedupeSorted(list));
  }
  return index;
}

// A backend listed in two slices (mid-migration between slices) must count once, or it gets twice the traffic.
function dedupeSorted(list: Backend[]): Backend[] {
  const byAddr = new Map<string, Backend>();
  for (const b of list) {
    const key = `${b.ip}:${b.port}`;
    const seen = byAddr.get(key);
    if (!seen || (b.ready && !seen.ready)) byAddr.set(key, b);
  }
  return [...byAddr.values()].sort((a, b) => ipToInt(a.ip)! - ipToInt(b.ip)! || a.port - b.port);
}

/** Ready backends, else those still serving while they terminate (so a rolling update drains instead of failing). */
export function usable(backends: readonly Backend[]): Backend[] {
  const ready = backends.filter((b) => b.ready);
  return ready.length ? ready : backends.filter((b) => b.serving && b.terminating);
}

export interface Categorized {
  /** For Cluster traffic policy: usable backends anywhere. */
  cluster: Backend[];
  /** For Local traffic policy: usable backends on this node. */
  local: Backend[];
}

export function categorize(backends: readonly Backend[], nodeName: string): Categorized {
  return { cluster: usable(backends), local: usable(backends.filter((b) => b.nodeName === nodeName)) };
}
