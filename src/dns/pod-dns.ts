// What a pod's resolv.conf says, by its dnsPolicy, as the kubelet decides it (the same rules and
// limits): ClusterFirst points at the cluster DNS Service and searches the pod's namespace first;
// Default takes the node's resolvers; None takes only the pod's own dnsConfig, which the other
// policies merge in last. The result is the runtime's sandbox DNS config as it is.
import { isLoopback, type ResolvConf } from './resolv-conf.js';

/** glibc reads at most three nameservers. */
const maxNameservers = 3;
/** The kubelet's limits on the search list (Kubernetes 1.28+). */
const maxSearches = 32;
const maxSearchChars = 2048;
/** A name with fewer dots is tried with each search domain first: `svc.ns` is a cluster name. */
export const clusterFirstOptions = ['ndots:5'];

export interface PodDnsInput {
  namespace: string;
  dnsPolicy?: 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';
  hostNetwork?: boolean;
  dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: Array<{ name: string; value?: string }> };
  /** The kube-dns Service's ClusterIP, e.g. 10.43.0.10. */
  clusterDns: string;
  clusterDomain: string;
  /** The node's resolv.conf (`parseResolvConf`). */
  host: ResolvConf;
}

/** What a node knows of DNS for all its pods; the rest comes from each pod. */
export type PodDnsSettings = Pick<PodDnsInput, 'clusterDns' | 'clusterDomain' | 'host'>;

export interface PodDnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export function podDnsConfig(p: PodDnsInput): PodDnsConfig {
  const policy = p.dnsPolicy ?? 'ClusterFirst';
  let base: PodDnsConfig;
  if (policy === 'None') base = { servers: [], searches: [], options: [] };
  else if (policy === 'Default' || (policy === 'ClusterFirst' && p.hostNetwork)) {
    // A pod in its own network namespace cannot reach the host's 127.0.0.53.
    const servers = p.hostNetwork ? p.host.nameservers : p.host.nameservers.filter((ip) => !isLoopback(ip));
    base = { servers, searches: p.host.search, options: p.host.options };
  } else {
    const d = p.clusterDomain;
    base = { servers: [p.clusterDns], searches: [`${p.namespace}.svc.${d}`, `svc.${d}`, d, ...p.host.search], options: clusterFirstOptions };
  }
  const extra = p.dnsConfig ?? {};
  return {
    servers: unique([...base.servers, ...(extra.nameservers ?? [])]).slice(0, maxNameservers),
    searches: limitSearches(unique([...base.searches, ...(extra.searches ?? [])].map((s) => s.replace(/\.$/, '')))),
    options: mergeOptions(base.options, (extra.options ?? []).map((o) => (o.value !== undefined ? `${o.name}:${o.value}` : o.name))),
  };
}

const unique = (xs: string[]) => [...new Set(xs.filter(Boolean))];

function limitSearches(searches: string[]): string[] {
  const out: string[] = [];
  let chars = 0;
  for (const s of searches.slice(0, maxSearches)) {
    chars += s.length + (out.length ? 1 : 0);
    if (chars > maxSearchChars) break;
    out.push(s);
  }
  return out;
}

/** The pod's options replace the base's of the same name (`ndots:2` over `ndots:5`). */
function mergeOptions(base: string[], pod: string[]): string[] {
  const byName = new Map<string, string>();
  for (const o of [...base, ...pod]) byName.set(o.split(':')[0]!, o);
  return [...byName.values()];
}
