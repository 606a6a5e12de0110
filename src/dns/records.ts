// Cluster DNS records (the Kubernetes DNS-based service discovery schema, version 1.1.0) kept from a
// node's Service and EndpointSlice informers: each change recomputes the records of one Service
// only, and a query is a lookup in the resulting index. Pure apart from the informer subscriptions.
import type { KObject } from '../registry/types.js';
import type { Informer, InformerChange } from '../client/informer.js';
import { rcode, rrType, type ResourceRecord, type SoaData } from './message.js';
import { ZoneIndex } from './zone-index.js';
import { serviceRecords, type ServiceLike, type SliceLike } from './service-records.js';

export const defaultClusterDomain = 'cluster.local';
/** CoreDNS's default: short enough that a Service's change is seen within seconds. */
export const defaultTtl = 5;
export const schemaVersion = '1.1.0';
const serviceNameLabel = 'kubernetes.io/service-name';

export interface DnsAnswer {
  rcode: number;
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
}

/** What the server asks. */
export interface DnsRecords {
  /** Goes up whenever any answer may have changed: encoded answers cached under an older value are stale. */
  readonly generation: number;
  /** The answer for a question (name in any case, no trailing dot), or undefined when the name is not
   *  this node's to answer and goes upstream. Every name inside the cluster domain is answered. */
  answer(name: string, type: number): DnsAnswer | undefined;
}

export interface ClusterRecordsOptions {
  services: Informer;
  endpointSlices: Informer;
  /** The cluster domain; `cluster.local` by default. */
  zone?: string;
  ttl?: number;
}

export interface ClusterRecords extends DnsRecords {
  /** Stops following the informers. */
  stop(): void;
}

const keyOf = (namespace: string | undefined, name: string | undefined) => `${namespace}/${name}`;
const sliceService = (s: KObject) => {
  const svc = s.metadata.labels?.[serviceNameLabel];
  return svc ? keyOf(s.metadata.namespace, svc) : undefined;
};

export function createClusterRecords(o: ClusterRecordsOptions): ClusterRecords {
  const zone = (o.zone ?? defaultClusterDomain).toLowerCase().replace(/\.$/, '');
  const ttl = o.ttl ?? defaultTtl;
  const index = new ZoneIndex(zone);
  const slicesByService = new Map<string, Map<string, KObject>>();

  index.set('#zone', [{ name: `dns-version.${zone}`, ttl, type: 'TXT', text: [schemaVersion] }], [zone, `svc.${zone}`, `pod.${zone}`]);

  const refresh = (svcKey: string) => {
    const [namespace, name] = svcKey.split('/') as [string, string];
    const svc = o.services.get(namespace, name);
    if (!svc) return index.delete(svcKey);
    const slices = [...(slicesByService.get(svcKey)?.values() ?? [])] as SliceLike[];
    const { records, names } = serviceRecords(svc as ServiceLike, slices, { zone, ttl });
    index.set(svcKey, records, names);
  };

  const onSlice = (ch: InformerChange) => {
    const sliceKey = keyOf(ch.object.metadata.namespace, ch.object.metadata.name);
    // A slice can move between Services by a label change: the old one loses it.
    const from = ch.type === 'DELETED' ? sliceService(ch.object) : ch.old ? sliceService(ch.old) : undefined;
    const to = ch.type === 'DELETED' ? undefined : sliceService(ch.object);
    if (from && from !== to) {
      const m = slicesByService.get(from);
      m?.delete(sliceKey);
      if (m?.size === 0) slicesByService.delete(from);
      refresh(from);
    }
    if (to) {
      let m = slicesByService.get(to);
      if (!m) slicesByService.set(to, (m = new Map()));
      m.set(sliceKey, ch.object);
      refresh(to);
    }
  };

  for (const s of o.endpointSlices.list()) onSlice({ type: 'ADDED', object: s });
  for (const svc of o.services.list()) refresh(keyOf(svc.metadata.namespace, svc.metadata.name));
  const unsubscribe = [
    o.services.subscribe((ch) => refresh(keyOf(ch.object.metadata.namespace, ch.object.metadata.name))),
    o.endpointSlices.subscribe(onSlice),
  ];

  const soa = (): ResourceRecord => ({ name: zone, ttl, type: 'SOA', soa: soaData(zone, index.generation, ttl) });
  const negative = (code: number): DnsAnswer => ({ rcode: code, answers: [], authority: [soa()], additional: [] });
  const inZone = (name: string) => name === zone || name.endsWith(`.${zone}`);
  const podSuffix = `.pod.${zone}`;

  const answerInZone = (name: string, type: number): DnsAnswer => {
    if (name === zone && (type === rrType.SOA || type === rrType.ANY)) return { rcode: rcode.NOERROR, answers: [soa()], authority: [], additional: [] };
    const rrs = index.lookup(name) ?? (name.endsWith(podSuffix) ? podRecords(name.slice(0, -podSuffix.length), name, ttl) : undefined);
    if (!rrs) return negative(rcode.NXDOMAIN);
    const cname = rrs.find((r) => r.type === 'CNAME');
    if (cname && type !== rrType.CNAME) return chase(cname, type);
    const answers = type === rrType.ANY ? rrs : rrs.filter((r) => rrType[r.type] === type);
    if (answers.length === 0) return negative(rcode.NOERROR);
    return { rcode: rcode.NOERROR, answers, authority: [], additional: type === rrType.SRV ? targetsOf(answers) : [] };
  };

  /** An ExternalName's CNAME, followed while it stays inside the zone; the resolver follows the rest. */
  const chase = (first: ResourceRecord, type: number): DnsAnswer => {
    const answers = [first];
    let target = first.type === 'CNAME' ? first.target : '';
    for (let hops = 0; hops < 8 && inZone(target); hops++) {
      const next = answerInZone(target, type);
      answers.push(...next.answers);
      const last = next.answers.at(-1);
      if (!last || last.type !== 'CNAME') return { ...next, answers, rcode: next.answers.length ? next.rcode : rcode.NOERROR };
      target = last.target;
    }
    return { rcode: rcode.NOERROR, answers, authority: [], additional: [] };
  };

  /** The A records of SRV targets, so the client needs no second query. */
  const targetsOf = (srvs: ResourceRecord[]) => {
    const seen = new Set<string>();
    const out: ResourceRecord[] = [];
    for (const r of srvs) {
      if (r.type !== 'SRV' || seen.has(r.srv.target)) continue;
      seen.add(r.srv.target);
      for (const a of index.lookup(r.srv.target) ?? []) if (a.type === 'A') out.push(a);
    }
    return out;
  };

  return {
    get generation() {
      return index.generation;
    },
    answer(rawName, type) {
      const name = rawName.toLowerCase().replace(/\.$/, '');
      if (inZone(name)) return answerInZone(name, type);
      // Reverse names are answered for cluster addresses only; the rest of in-addr.arpa is upstream's.
      if ((type === rrType.PTR || type === rrType.ANY) && name.endsWith('.in-addr.arpa')) {
        const ptrs = index.lookup(name)?.filter((r) => r.type === 'PTR');
        if (ptrs?.length) return { rcode: rcode.NOERROR, answers: ptrs, authority: [], additional: [] };
      }
      return undefined;
    },
    stop() {
      for (const u of unsubscribe) u();
    },
  };
}

function soaData(zone: string, serial: number, ttl: number): SoaData {
  // minimum is the negative-caching TTL (RFC 2308): a name that appears is seen as soon as a record would be.
  return { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: serial >>> 0, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl };
}

/** `a-b-c-d.<ns>.pod.<zone>` answers a.b.c.d for any namespace, unchecked (CoreDNS's "pods insecure",
 *  which is what kube-dns did); `<ns>.pod.<zone>` exists and is empty. */
function podRecords(prefix: string, name: string, ttl: number): ResourceRecord[] | undefined {
  const labels = prefix.split('.');
  if (labels.length === 1) return labels[0] ? [] : undefined;
  if (labels.length !== 2 || !labels[1]) return undefined;
  const m = /^(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})$/.exec(labels[0]!);
  if (!m || m.slice(1).some((p) => Number(p) > 255)) return undefined;
  return [{ name, ttl, type: 'A', address: m.slice(1).map(Number).join('.') }];
}

