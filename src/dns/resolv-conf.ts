// The host's resolvers, from resolv.conf, as the upstream for names outside the cluster.
//
// Loopback nameservers are kept. K3s drops them (and falls back to systemd-resolved's
// /run/systemd/resolve/resolv.conf, then to 8.8.8.8) because its CoreDNS runs in a pod, whose
// 127.0.0.53 is the pod's own loopback. This server runs in the agent, in the host's network
// namespace, where 127.0.0.53 is the host's real stub resolver, and the right one to ask: it knows
// the host's split DNS and VPN domains. Dropping loopback is the kubelet's concern for pods with
// dnsPolicy Default, which see the file from inside their own namespace.
import { readFileSync } from 'node:fs';

export interface ResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
}

export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const [keyword, ...args] = raw.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (keyword === 'nameserver' && args[0]) conf.nameservers.push(args[0]);
    // The last search or domain line wins, as in glibc.
    else if (keyword === 'search' || keyword === 'domain') conf.search = args.filter(Boolean);
    else if (keyword === 'options') conf.options.push(...args.filter(Boolean));
  }
  return conf;
}

/** The nameservers `path` lists ('ip', or 'ip%zone' trimmed to 'ip'); none when it cannot be read. */
export function upstreamFromResolvConf(path = '/etc/resolv.conf'): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return parseResolvConf(text).nameservers.map((ns) => ns.replace(/%.*$/, ''));
}

export const isLoopback = (ip: string) => ip.startsWith('127.') || ip === '::1';
