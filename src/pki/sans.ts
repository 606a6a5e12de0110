import { hostname as osHostname, networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { canonicalIp, isIpAddress } from './ip.js';

export interface SubjectAltNames {
  dnsNames: string[];
  /** Canonical text (RFC 5952 for IPv6). */
  ipAddresses: string[];
}

export interface ServingSanOptions {
  /** `--tls-san` values: IPs or DNS names, each entry may also hold a comma-separated list. */
  extraSans?: string[];
  /** ClusterIP of the `kubernetes` Service. */
  serviceIP?: string;
  hostname?: string;
  interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>;
  clusterDomain?: string;
}

export const DEFAULT_SERVICE_IP = '10.43.0.1';

const DNS_NAME = /^(\*\.)?[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

export function isDnsName(text: string): boolean {
  return text.length <= 253 && DNS_NAME.test(text);
}

// IPv6 link-local addresses are left out: every pod veth on a node carries one, and they would
// make the serving certificate change whenever a pod starts; nobody dials the API on them.
function isLinkLocal(info: NetworkInterfaceInfo): boolean {
  return info.family === 'IPv6' && /^fe[89ab]/i.test(info.address);
}

/** Interfaces the node makes for its pods (bridges and overlay links are named k3ts..., pod ends
 *  veth...): they come and go with pods, so they must not decide the certificate or the node's address. */
export function isPodNetworkInterface(name: string): boolean {
  return name.startsWith('k3ts') || name.startsWith('veth');
}

/** Everything the API server's certificate must be valid for. Throws on a `--tls-san` that is neither IP nor DNS name. */
export function servingSubjectAltNames(options: ServingSanOptions = {}): SubjectAltNames {
  const domain = options.clusterDomain ?? 'cluster.local';
  const dns = new Set(['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${domain}`]);
  const ips = new Set(['127.0.0.1', '::1', canonicalIp(options.serviceIP ?? DEFAULT_SERVICE_IP)]);

  const host = (options.hostname ?? osHostname()).toLowerCase().replace(/\.$/, '');
  if (isDnsName(host)) dns.add(host);
  for (const [name, infos] of Object.entries(options.interfaces ?? networkInterfaces())) {
    if (isPodNetworkInterface(name)) continue;
    for (const info of infos ?? []) if (!info.internal && !isLinkLocal(info)) ips.add(canonicalIp(info.address));
  }

  for (const entry of (options.extraSans ?? []).flatMap((s) => s.split(','))) {
    const san = entry.trim();
    if (!san) continue;
    if (isIpAddress(san)) ips.add(canonicalIp(san));
    else if (isDnsName(san.toLowerCase().replace(/\.$/, ''))) dns.add(san.toLowerCase().replace(/\.$/, ''));
    else throw new Error(`--tls-san "${san}" is neither an IP address nor a DNS name; pass e.g. --tls-san 192.0.2.10 or --tls-san api.example.com`);
  }
  return { dnsNames: [...dns], ipAddresses: [...ips] };
}

/** The wanted names that `have` lacks, as `DNS:x` / `IP:y`; empty when `wanted` is a subset. */
export function missingSubjectAltNames(wanted: SubjectAltNames, have: SubjectAltNames): string[] {
  const dns = new Set(have.dnsNames.map((n) => n.toLowerCase()));
  const ips = new Set(have.ipAddresses.map(canonicalIp));
  return [
    ...wanted.dnsNames.filter((n) => !dns.has(n.toLowerCase())).map((n) => `DNS:${n}`),
    ...wanted.ipAddresses.filter((ip) => !ips.has(canonicalIp(ip))).map((ip) => `IP:${ip}`),
  ];
}
