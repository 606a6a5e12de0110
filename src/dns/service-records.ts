// The records one Service stands for, from its spec and its EndpointSlices: the schema's rules in one
// pure function, so each rule is tested without informers.
import type { ResourceRecord } from './message.js';

export interface ServiceLike {
  metadata: { name?: string; namespace?: string };
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    ports?: Array<{ name?: string; port: number; protocol?: string }>;
  };
}

export interface SliceLike {
  addressType?: string;
  endpoints?: Array<{ addresses?: string[]; hostname?: string; conditions?: { ready?: boolean } }>;
  ports?: Array<{ name?: string; port?: number; protocol?: string }>;
}

const isIpv4 = (ip: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);

/** `d.c.b.a.in-addr.arpa` for a.b.c.d. */
export const reverseName = (ip: string) => `${ip.split('.').reverse().join('.')}.in-addr.arpa`;

/** Records, and names that exist even with no record (a headless Service with no ready endpoint). */
export function serviceRecords(svc: ServiceLike, slices: SliceLike[], o: { zone: string; ttl: number }): { records: ResourceRecord[]; names: string[] } {
  const { ttl } = o;
  const spec = svc.spec ?? {};
  const base = `${svc.metadata.name}.${svc.metadata.namespace}.svc.${o.zone}`.toLowerCase();
  const records: ResourceRecord[] = [];
  const srvName = (port: { name?: string; protocol?: string }) => `_${port.name!.toLowerCase()}._${(port.protocol ?? 'TCP').toLowerCase()}.${base}`;

  if (spec.type === 'ExternalName') {
    const target = (spec.externalName ?? '').toLowerCase().replace(/\.$/, '');
    if (target) records.push({ name: base, ttl, type: 'CNAME', target });
    return { records, names: [base] };
  }

  const clusterIPs = (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).filter(isIpv4);
  if (spec.clusterIP !== 'None') {
    for (const ip of clusterIPs) {
      records.push({ name: base, ttl, type: 'A', address: ip });
      records.push({ name: reverseName(ip), ttl, type: 'PTR', target: base });
    }
    // Unnamed ports have no SRV record.
    for (const p of spec.ports ?? []) if (p.name) records.push({ name: srvName(p), ttl, type: 'SRV', srv: { priority: 0, weight: 100, port: p.port, target: base } });
    return { records, names: [base] };
  }

  // Headless: the ready endpoints themselves, each also under a name of its own (its hostname, else
  // its address with dashes, as CoreDNS names them), which SRV records point at.
  const seen = new Set<string>();
  const add = (key: string, rr: ResourceRecord) => {
    if (!seen.has(key)) seen.add(key), records.push(rr);
  };
  for (const slice of slices) {
    if (slice.addressType !== undefined && slice.addressType !== 'IPv4') continue;
    for (const ep of slice.endpoints ?? []) {
      // An absent ready condition means ready (discovery.k8s.io/v1).
      if (ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses ?? []) {
        if (!isIpv4(ip)) continue;
        const own = `${(ep.hostname ?? ip.replaceAll('.', '-')).toLowerCase()}.${base}`;
        add(`A ${ip}`, { name: base, ttl, type: 'A', address: ip });
        add(`A ${own} ${ip}`, { name: own, ttl, type: 'A', address: ip });
        add(`PTR ${ip} ${own}`, { name: reverseName(ip), ttl, type: 'PTR', target: own });
        // A slice's port numbers are the pods' own: headless clients connect to those directly.
        for (const p of slice.ports ?? []) {
          if (!p.name || !p.port) continue;
          const name = srvName(p);
          add(`SRV ${name} ${p.port} ${own}`, { name, ttl, type: 'SRV', srv: { priority: 0, weight: 100, port: p.port, target: own } });
        }
      }
    }
  }
  return { records, names: [base] };
}
