// A pod's resolv.conf as upstream's kubelet builds it from dnsPolicy and dnsConfig: cluster DNS
// first (the kube-dns Service, search paths from the pod's namespace outwards, ndots:5), the node's
// own resolvers for `Default` and for host-network pods, and dnsConfig merged on top.
import { readFileSync } from 'node:fs';
import type { Pod } from 'kubernetes-types/core/v1.js';

export interface ResolvConf {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface ClusterDnsSettings {
  /** The kube-dns Service's address(es); empty when the cluster has no DNS. */
  clusterDns: string[];
  clusterDomain: string;
  /** The node's resolv.conf, for `Default` and host-network pods. */
  host: ResolvConf;
}

/** Upstream's limits: more search domains than this, or longer, and glibc ignores the rest. */
const MAX_SEARCHES = 32;
const MAX_SEARCH_CHARS = 2048;

export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { servers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const [key, ...values] = raw.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (key === 'nameserver' && values[0]) out.servers.push(values[0]);
    // The last search or domain line wins, as in the resolver.
    else if (key === 'search' || key === 'domain') out.searches = values.filter(Boolean);
    else if (key === 'options') out.options.push(...values.filter(Boolean));
  }
  return out;
}

export function readResolvConf(path: string): ResolvConf {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return { servers: [], searches: [], options: [] };
  }
}

/** The resolv.conf the pod's sandbox gets. */
export function podDnsConfig(pod: Pod, s: ClusterDnsSettings): ResolvConf {
  const spec = pod.spec ?? { containers: [] };
  const policy = spec.dnsPolicy ?? 'ClusterFirst';
  let base: ResolvConf;
  const clusterFirst = (policy === 'ClusterFirst' && !spec.hostNetwork) || policy === 'ClusterFirstWithHostNet';
  if (policy === 'None') base = { servers: [], searches: [], options: [] };
  else if (clusterFirst && s.clusterDns.length) {
    const ns = pod.metadata?.namespace ?? 'default';
    const d = s.clusterDomain;
    base = { servers: [...s.clusterDns], searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...s.host.searches], options: ['ndots:5'] };
  } else base = { servers: [...s.host.servers], searches: [...s.host.searches], options: [...s.host.options] };
  const extra = spec.dnsConfig;
  if (extra) {
    base.servers = unique([...base.servers, ...(extra.nameservers ?? [])]);
    base.searches = unique([...base.searches, ...(extra.searches ?? [])]);
    base.options = mergeOptions(base.options, (extra.options ?? []).map((o) => (o.value !== undefined ? `${o.name}:${o.value}` : o.name ?? '')).filter(Boolean));
  }
  return { servers: base.servers, searches: trimSearches(unique(base.searches)), options: base.options };
}

const unique = (xs: string[]) => [...new Set(xs)];

/** dnsConfig's options replace the same-named ones. */
function mergeOptions(base: string[], extra: string[]): string[] {
  const byName = new Map<string, string>();
  for (const o of [...base, ...extra]) byName.set(o.split(':')[0]!, o);
  return [...byName.values()];
}

function trimSearches(searches: string[]): string[] {
  const out: string[] = [];
  let chars = 0;
  for (const s of searches.slice(0, MAX_SEARCHES)) {
    chars += s.length + 1;
    if (chars > MAX_SEARCH_CHARS) break;
    out.push(s);
  }
  return out;
}
