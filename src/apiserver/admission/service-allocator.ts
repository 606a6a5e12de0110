// Gives Services their ClusterIP (from the service CIDR) and NodePorts (from the node port range).
// What is taken is learnt from storage (a list, then a watch), so it stays right across restarts
// and whichever code path created or deleted a Service; in-flight creates hold reservations.
import { randomInt } from 'node:crypto';
import type { KObject } from '../../registry/types.js';
import { fieldError, type FieldError } from '../../registry/field-errors.js';
import { errors } from '../errors.js';
import type { AdmissionPlugin, AdmissionRequest, ResourceContext } from '../resources/context.js';
import { openWatch, type OpenWatch } from '../resources/watch-source.js';
import { intToIp, ipToInt, parseCidr, type Ipv4Cidr } from '../../network/ipv4.js';
import type { AllocationClaims, ClaimKind } from './allocation-claims.js';

export interface ServiceAllocatorOptions {
  serviceCidr: string;
  nodePortRange: { min: number; max: number };
  /** Servers sharing the datastore: every value is also claimed there before it is used. */
  claims?: AllocationClaims;
}

interface ServicePort {
  port?: number;
  protocol?: string;
  nodePort?: number;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
}

// How long random picks avoid a value another server's claim refused. Its Service usually shows up
// through the watch well before (and then its events decide); but that create may also fail and give
// the claim back, which this server hears nothing of. Kept for the orphan timeout (a minute), such a
// freed value was invisible to this server's picks, and a nearly full range read as full. After the
// mark, a value still claimed costs one more refused claim.
const ELSEWHERE_MARK_MS = 2_000;

const keyOf = (o: KObject) => `${o.metadata.namespace}/${o.metadata.name}`;
const wantsNodePorts = (type?: string) => type === 'NodePort' || type === 'LoadBalancer';

/** Values taken by stored Services, plus reservations of requests still in flight. A reservation
 *  belongs to one request, so abandoning a request frees only what that request took. */
class Pool {
  private owner = new Map<number, string>();
  private reserved = new Map<number, { key: string; req: object }>();
  /** Claimed in the datastore by a Service this server has not seen yet, until the given time. */
  private elsewhere = new Map<number, number>();

  /** May this Service (`key`) keep or take `n` explicitly? A value only marked as claimed elsewhere
   *  is not refused here: the datastore claim decides, so a value another server has just released
   *  can be asked for at once (the mark only steers random picks away). */
  allows(n: number, key: string, req: object): boolean {
    const owner = this.owner.get(n);
    if (owner !== undefined && owner !== key) return false;
    const r = this.reserved.get(n);
    return r === undefined || r.req === req || r.key === key;
  }
  /** Does a Service other than `key` hold `n`, as far as this server has seen? */
  heldByOther(n: number, key: string): boolean {
    const owner = this.owner.get(n);
    return owner !== undefined && owner !== key;
  }
  markClaimedElsewhere(n: number) {
    this.elsewhere.set(n, Date.now() + ELSEWHERE_MARK_MS);
  }
  private claimedElsewhere(n: number): boolean {
    const until = this.elsewhere.get(n);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.elsewhere.delete(n);
    return false;
  }
  /** Every Service holding something. */
  owners(): Set<string> {
    return new Set(this.owner.values());
  }
  /** What `key` holds now, to release what a change gives up. */
  ownedBy(key: string): number[] {
    return [...this.owner].filter(([, k]) => k === key).map(([n]) => n);
  }
  reserve(n: number, key: string, req: object) {
    this.reserved.set(n, { key, req });
  }
  abandon(req: object) {
    for (const [n, r] of this.reserved) if (r.req === req) this.reserved.delete(n);
  }
  /** What the store now says `key` holds; its reservations have become ownership. */
  setOwned(key: string, values: number[]) {
    for (const [n, k] of this.owner) if (k === key) this.owner.delete(n);
    for (const n of values) {
      this.owner.set(n, key);
      // The Service that claimed it elsewhere is now seen: from here on its watch events decide.
      this.elsewhere.delete(n);
      if (this.reserved.get(n)?.key === key) this.reserved.delete(n);
    }
  }
  /** A random value in [min, max] nobody holds or has reserved (not even this Service, whose other
   *  ports must not share it); linear probe from a random start so it always terminates. */
  pick(min: number, max: number): number | undefined {
    const size = max - min + 1;
    const start = randomInt(size);
    for (let i = 0; i < size; i++) {
      const n = min + ((start + i) % size);
      if (!this.owner.has(n) && !this.reserved.has(n) && !this.claimedElsewhere(n)) return n;
    }
    return undefined;
  }
}

export interface ServiceAllocator extends AdmissionPlugin {
  start(): Promise<void>;
  stop(): void;
}

export function createServiceAllocator(ctx: Pick<ResourceContext, 'store' | 'registry'>, opts: ServiceAllocatorOptions): ServiceAllocator {
  const range: Ipv4Cidr = parseCidr(opts.serviceCidr);
  const ips = new Pool();
  const ports = new Pool();
  let watch: OpenWatch | undefined;
  let stopped = false;

  const release = (kind: ClaimKind, key: string, before: number[], after: number[]) => {
    if (!opts.claims) return;
    for (const n of before) if (!after.includes(n)) void opts.claims.release(kind, n, key).catch(() => undefined);
  };
  const record = (svc: KObject | undefined, key: string) => {
    const spec = (svc?.spec ?? {}) as ServiceSpec;
    const ipList = svc ? (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).map(ipToInt).filter((n): n is number => n !== undefined) : [];
    const portList = svc ? (spec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => typeof n === 'number') : [];
    release('serviceips', key, ips.ownedBy(key), ipList);
    release('nodeports', key, ports.ownedBy(key), portList);
    ips.setOwned(key, ipList);
    ports.setOwned(key, portList);
  };

  // List and watch Services; when the watch ends (history it owed was compacted), again, and whoever
  // held values before but was not heard of since (deleted meanwhile) lets them go.
  const follow = async (): Promise<void> => {
    const d = ctx.registry.findByResource('', 'v1', 'services')!;
    const before = new Set([...ips.owners(), ...ports.owners()]);
    const heard = new Set<string>();
    const again = () => {
      if (!stopped) setTimeout(() => void follow().catch(again), 1000).unref();
    };
    watch = await openWatch(ctx, d, { from: { replay: true }, onError: again }, (ev) => {
      const key = keyOf(ev.object);
      heard.add(key);
      record(ev.type === 'DELETED' ? undefined : ev.object, key);
    });
    if (stopped) return watch.cancel();
    for (const key of before) if (!heard.has(key)) record(undefined, key);
  };

  const claimedBy = new WeakMap<AdmissionRequest, Array<{ kind: ClaimKind; value: number }>>();
  /** Claims in the datastore each value this write newly takes; the first refused one is returned. */
  const claimNew = async (req: AdmissionRequest, spec: ServiceSpec, key: string): Promise<{ kind: ClaimKind; value: number } | undefined> => {
    const claims = opts.claims;
    if (!claims || req.dryRun) return undefined;
    const oldSpec = req.old?.spec as ServiceSpec | undefined;
    const oldIps = (oldSpec?.clusterIPs ?? []).map(ipToInt);
    const oldPorts = (oldSpec?.ports ?? []).map((p) => p.nodePort);
    const wanted: Array<{ kind: ClaimKind; value: number }> = [
      ...(spec.clusterIPs ?? []).map(ipToInt).filter((n): n is number => n !== undefined && !oldIps.includes(n)).map((value) => ({ kind: 'serviceips' as const, value })),
      ...(spec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => typeof n === 'number' && !oldPorts.includes(n)).map((value) => ({ kind: 'nodeports' as const, value })),
    ];
    const taken: typeof wanted = [];
    claimedBy.set(req, taken);
    for (const w of wanted) {
      const pool = w.kind === 'serviceips' ? ips : ports;
      if (await claims.claim(w.kind, w.value, key, pool.heldByOther(w.value, key))) {
        taken.push(w);
        continue;
      }
      for (const t of taken) await claims.release(t.kind, t.value, key).catch(() => undefined);
      return w;
    }
    return undefined;
  };

  const allocateIp = (req: AdmissionRequest, spec: ServiceSpec, key: string): FieldError | undefined => {
    if (spec.type === 'ExternalName') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
      return undefined;
    }
    const wanted = spec.clusterIP ?? spec.clusterIPs?.[0];
    if (wanted === 'None') {
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
      return undefined;
    }
    if (wanted) {
      const n = ipToInt(wanted);
      const shown = `[]string{${JSON.stringify(wanted)}}`;
      if (n === undefined || !isHostAddress(range, n)) {
        return { reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ${shown}: failed to allocate IP ${wanted}: the provided IP (${wanted}) is not in the valid range. The range of valid IPs is ${range.text}` };
      }
      if (!ips.allows(n, key, req)) {
        return { reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ${shown}: failed to allocate IP ${wanted}: provided IP is already allocated` };
      }
      ips.reserve(n, key, req);
      spec.clusterIP = wanted;
      spec.clusterIPs = [wanted];
      return undefined;
    }
    const n = ips.pick(range.base + 1, range.base + range.size - 2);
    if (n === undefined) return { reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: []string{}: failed to allocate a serviceIP: range is full` };
    ips.reserve(n, key, req);
    spec.clusterIP = intToIp(n);
    spec.clusterIPs = [spec.clusterIP];
    return undefined;
  };

  const allocatePorts = (req: AdmissionRequest, spec: ServiceSpec, oldSpec: ServiceSpec | undefined, key: string): FieldError[] => {
    const errs: FieldError[] = [];
    if (!wantsNodePorts(spec.type)) return errs;
    const { min, max } = opts.nodePortRange;
    (spec.ports ?? []).forEach((p, i) => {
      if (p.nodePort === undefined || p.nodePort === 0) {
        const previous = oldSpec?.ports?.find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP') && o.nodePort);
        if (previous?.nodePort) {
          p.nodePort = previous.nodePort;
          return;
        }
        const n = ports.pick(min, max);
        if (n === undefined) {
          errs.push(fieldError.invalid(`spec.ports[${i}].nodePort`, 0, `failed to allocate a nodePort: range is full`));
          return;
        }
        // Reserved while this request is admitted (a dry run's too), so its other ports differ.
        ports.reserve(n, key, req);
        p.nodePort = n;
        return;
      }
      if (!ports.allows(p.nodePort, key, req)) {
        errs.push(fieldError.invalid(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated'));
        return;
      }
      ports.reserve(p.nodePort, key, req);
    });
    return errs;
  };

  return {
    name: 'ServiceAllocator',
    async start() {
      await follow();
    },
    stop() {
      stopped = true;
      watch?.cancel();
    },
    async admit(req) {
      const d = req.descriptor;
      if (d.group !== '' || d.kind !== 'Service' || req.subresource) return;
      if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return;
      const key = keyOf(req.object);
      const spec = (req.object.spec ?? (req.object.spec = {})) as ServiceSpec;
      const oldSpec = req.old?.spec as ServiceSpec | undefined;
      if (req.operation === 'UPDATE' && oldSpec && !spec.clusterIP && oldSpec.clusterIP && spec.type !== 'ExternalName') {
        spec.clusterIP = oldSpec.clusterIP;
        spec.clusterIPs = oldSpec.clusterIPs ?? [oldSpec.clusterIP];
      }
      const asked = structuredClone(spec);
      // A value another server claimed first is picked again (each refusal marks one more value, so
      // this ends with a value or a full range; the cap only bounds a pathological race); a value
      // the client asked for is refused.
      for (let attempt = 0; ; attempt++) {
        const errs: FieldError[] = [];
        const ipErr = allocateIp(req, spec, key);
        if (ipErr) errs.push(ipErr);
        errs.push(...allocatePorts(req, spec, oldSpec, key));
        if (errs.length) throw errors.invalid('Service', '', req.object.metadata.name ?? '', errs);
        const refused = await claimNew(req, spec, key);
        if (!refused) return;
        ips.abandon(req);
        ports.abandon(req);
        (refused.kind === 'serviceips' ? ips : ports).markClaimedElsewhere(refused.value);
        const explicit = refused.kind === 'serviceips' ? asked.clusterIP === intToIp(refused.value) : (asked.ports ?? []).some((p) => p.nodePort === refused.value);
        if (explicit || attempt >= 64) {
          const field = refused.kind === 'serviceips' ? 'spec.clusterIPs' : `spec.ports[${(spec.ports ?? []).findIndex((p) => p.nodePort === refused.value)}].nodePort`;
          const message = refused.kind === 'serviceips' ? `failed to allocate IP ${intToIp(refused.value)}: provided IP is already allocated` : 'provided port is already allocated';
          throw errors.invalid('Service', '', req.object.metadata.name ?? '', [fieldError.invalid(field, refused.kind === 'serviceips' ? intToIp(refused.value) : refused.value, message)]);
        }
        for (const k of Object.keys(spec) as Array<keyof ServiceSpec>) if (!(k in asked)) delete spec[k];
        Object.assign(spec, structuredClone(asked));
      }
    },
    abandon(req) {
      ips.abandon(req);
      ports.abandon(req);
      // The write did not happen: what it claimed in the datastore goes back.
      for (const c of claimedBy.get(req) ?? []) void opts.claims?.release(c.kind, c.value, keyOf(req.object)).catch(() => undefined);
    },
  };
}

/** Neither the range's network nor its broadcast address. */
function isHostAddress(r: Ipv4Cidr, ip: number): boolean {
  return ip > r.base && ip < r.base + r.size - 1;
}
