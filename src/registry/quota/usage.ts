// What one object counts against a ResourceQuota, as upstream's evaluators count it: every object
// its `count/<resource>[.<group>]`; pods also `pods` (until they finish) and their compute
// requests and limits; services, configmaps, secrets, claims and controllers their legacy names.
import type { KObject } from '../types.js';
import { addAmounts, type Amount, type Amounts } from './quantity.js';
import { parseAmount } from './quantity.js';

export interface KindRef {
  group: string;
  plural: string;
}

const ONE: Amount = { milli: 1000n, binary: false };

/** The object-count name: `count/pods`, `count/deployments.apps`. */
export const countName = (k: KindRef) => (k.group ? `count/${k.plural}.${k.group}` : `count/${k.plural}`);

/** Core kinds counted under a bare name too (`pods` aside, which is a compute resource). */
const LEGACY_COUNTS: Record<string, string> = {
  services: 'services',
  configmaps: 'configmaps',
  secrets: 'secrets',
  persistentvolumeclaims: 'persistentvolumeclaims',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

/** Resources a quota on pods may name: counts, compute, and hugepages / extended requests. */
const POD_RESOURCES = new Set([
  'pods', 'count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
]);

/** If a quota limits one of these, every container must say how much it asks (upstream's old rule). */
export const MUST_SPECIFY = ['cpu', 'limits.cpu', 'limits.memory', 'memory', 'requests.cpu', 'requests.memory'];

interface ContainerLike {
  name?: string;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
}

const containersOf = (pod: KObject, field: 'containers' | 'initContainers') => {
  const list = (pod.spec as Record<string, unknown> | undefined)?.[field];
  return Array.isArray(list) ? (list as ContainerLike[]) : [];
};

/** One container's names as quota sees them (requests count under both `cpu` and `requests.cpu`). */
function containerUsage(c: ContainerLike): Amounts {
  const out: Amounts = new Map([['pods', ONE]]);
  const requests = c.resources?.requests ?? {};
  const limits = c.resources?.limits ?? {};
  for (const name of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = parseAmount(requests[name]);
    if (req && name in requests) {
      out.set(name, req);
      out.set(`requests.${name}`, req);
    }
    const lim = parseAmount(limits[name]);
    if (lim && name in limits) out.set(`limits.${name}`, lim);
  }
  for (const [name, q] of Object.entries(requests)) {
    const v = parseAmount(q);
    if (!v) continue;
    if (name.startsWith('hugepages-')) {
      out.set(name, v);
      out.set(`requests.${name}`, v);
    } else if (name.includes('/') && !name.startsWith('kubernetes.io/')) out.set(`requests.${name}`, v);
  }
  return out;
}

/** Per name: the sum over app containers, or the largest init container if that is more. */
function podCompute(pod: KObject): Amounts {
  let sum: Amounts = new Map();
  for (const c of containersOf(pod, 'containers')) {
    const u = containerUsage(c);
    u.delete('pods');
    sum = addAmounts(sum, u);
  }
  for (const c of containersOf(pod, 'initContainers')) {
    for (const [name, v] of containerUsage(c)) {
      if (name === 'pods') continue;
      const have = sum.get(name);
      if (!have || v.milli > have.milli) sum.set(name, v);
    }
  }
  const overhead = (pod.spec as { overhead?: Record<string, unknown> } | undefined)?.overhead;
  if (overhead) {
    for (const name of ['cpu', 'memory']) {
      const v = parseAmount(overhead[name]);
      if (!v) continue;
      for (const key of [name, `requests.${name}`, `limits.${name}`]) {
        const have = sum.get(key);
        if (have) sum.set(key, { milli: have.milli + v.milli, binary: have.binary });
      }
    }
  }
  return sum;
}

const podFinished = (pod: KObject) => {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
};

/** What `obj` (of kind `k`) counts against a quota. */
export function usageOf(k: KindRef, obj: KObject): Amounts {
  const out: Amounts = new Map([[countName(k), ONE]]);
  if (k.group !== '') return out;
  const legacy = LEGACY_COUNTS[k.plural];
  if (legacy) out.set(legacy, ONE);
  if (k.plural === 'pods') {
    if (podFinished(obj)) return out;
    out.set('pods', ONE);
    for (const [name, v] of podCompute(obj)) out.set(name, v);
  }
  if (k.plural === 'services') {
    const type = (obj.spec as { type?: string } | undefined)?.type;
    if (type === 'LoadBalancer') out.set('services.loadbalancers', ONE);
    if (type === 'NodePort' || type === 'LoadBalancer') {
      const ports = (obj.spec as { ports?: unknown[] }).ports;
      out.set('services.nodeports', { milli: BigInt(Array.isArray(ports) ? ports.length : 0) * 1000n, binary: false });
    }
  }
  if (k.plural === 'persistentvolumeclaims') {
    const spec = (obj.spec ?? {}) as { storageClassName?: string; resources?: { requests?: Record<string, unknown> } };
    const storage = parseAmount(spec.resources?.requests?.storage);
    if (storage) out.set('requests.storage', storage);
    if (spec.storageClassName) {
      out.set(`${spec.storageClassName}.storageclass.storage.k8s.io/persistentvolumeclaims`, ONE);
      if (storage) out.set(`${spec.storageClassName}.storageclass.storage.k8s.io/requests.storage`, storage);
    }
  }
  return out;
}

/** Does this resource name concern objects of kind `k`? (A quota on `services` ignores pods.) */
export function concerns(k: KindRef, resource: string): boolean {
  if (resource === countName(k)) return true;
  if (k.group !== '') return false;
  if (LEGACY_COUNTS[k.plural] === resource) return true;
  if (k.plural === 'pods') return POD_RESOURCES.has(resource) || resource.startsWith('hugepages-') || resource.startsWith('requests.');
  if (k.plural === 'services') return resource === 'services.loadbalancers' || resource === 'services.nodeports';
  if (k.plural === 'persistentvolumeclaims') return resource === 'requests.storage' || resource.includes('.storageclass.storage.k8s.io/');
  return false;
}

/** Upstream's "must specify" check: the names of MUST_SPECIFY the quota limits, each with the
 *  containers that leave it out. Empty when every container says. */
export function missingCompute(pod: KObject, limited: Iterable<string>): Array<{ resource: string; containers: string[] }> {
  const required = [...limited].filter((n) => MUST_SPECIFY.includes(n));
  if (required.length === 0) return [];
  const missing = new Map<string, Set<string>>();
  for (const c of [...containersOf(pod, 'containers'), ...containersOf(pod, 'initContainers')]) {
    const have = containerUsage(c);
    for (const r of required) {
      if (have.has(r)) continue;
      let set = missing.get(r);
      if (!set) missing.set(r, (set = new Set()));
      set.add(c.name ?? '');
    }
  }
  return [...missing.keys()].sort().map((resource) => ({ resource, containers: [...missing.get(resource)!].sort() }));
}

/** Quality-of-service BestEffort: no container asks for or is limited to any cpu or memory. */
export function isBestEffort(pod: KObject): boolean {
  for (const c of [...containersOf(pod, 'containers'), ...containersOf(pod, 'initContainers')]) {
    for (const list of [c.resources?.requests, c.resources?.limits]) {
      if (list && ('cpu' in list || 'memory' in list)) return false;
    }
  }
  return true;
}

/** A pod with an active deadline is "terminating" in quota scope terms. */
export const isTerminating = (pod: KObject) => {
  const d = (pod.spec as { activeDeadlineSeconds?: unknown } | undefined)?.activeDeadlineSeconds;
  return typeof d === 'number' && d >= 0;
};
