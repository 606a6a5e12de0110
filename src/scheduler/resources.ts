// What a pod asks of a node and what a node offers, in the integer units the scheduler compares:
// millicores for cpu, bytes for memory and ephemeral storage, plain counts for extended resources.
import type { Container, Node, PodSpec } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../registry/validation/quantity.js';

export interface Resources {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended resources (example.com/gpu) and hugepages, by name; absent when none. */
  scalar?: Record<string, number>;
}

export interface Allocatable extends Resources {
  pods: number;
}

/** What a container without a cpu or memory request counts as when spreading load, as upstream. */
const defaultMilliCpuRequest = 100;
const defaultMemoryRequest = 200 * 1024 * 1024;

export const emptyResources = (): Resources => ({ milliCpu: 0, memory: 0, ephemeralStorage: 0 });

// Quantities arrive as floating point; the epsilon keeps "0.1" from rounding up to 101m.
const milli = (q: unknown) => Math.max(0, Math.ceil((parseQuantity(q) ?? 0) * 1000 - 1e-6));
const whole = (q: unknown) => Math.max(0, Math.ceil((parseQuantity(q) ?? 0) - 1e-6));

/** Extended resources (a domain outside kubernetes.io) and hugepages are counted and checked by name. */
export function isScalarResource(name: string): boolean {
  if (name.startsWith('hugepages-')) return true;
  if (!name.includes('/') || name.startsWith('requests.')) return false;
  const domain = name.slice(0, name.indexOf('/'));
  return domain !== 'kubernetes.io' && !domain.endsWith('.kubernetes.io');
}

/** Reads a ResourceList. `cpuIfMissing`/`memoryIfMissing` stand in for an absent cpu or memory entry. */
function fromList(list: Record<string, unknown> | undefined, missing?: { cpu: number; memory: number }): Resources {
  const r = emptyResources();
  const l = list ?? {};
  r.milliCpu = 'cpu' in l ? milli(l.cpu) : (missing?.cpu ?? 0);
  r.memory = 'memory' in l ? whole(l.memory) : (missing?.memory ?? 0);
  if ('ephemeral-storage' in l) r.ephemeralStorage = whole(l['ephemeral-storage']);
  for (const [name, q] of Object.entries(l)) {
    if (!isScalarResource(name)) continue;
    (r.scalar ??= {})[name] = whole(q);
  }
  return r;
}

export function addInto(into: Resources, r: Resources, sign = 1): void {
  into.milliCpu += sign * r.milliCpu;
  into.memory += sign * r.memory;
  into.ephemeralStorage += sign * r.ephemeralStorage;
  for (const [name, v] of Object.entries(r.scalar ?? {})) {
    const s = (into.scalar ??= {});
    s[name] = (s[name] ?? 0) + sign * v;
  }
}

function maxInto(into: Resources, r: Resources): void {
  into.milliCpu = Math.max(into.milliCpu, r.milliCpu);
  into.memory = Math.max(into.memory, r.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, r.ephemeralStorage);
  for (const [name, v] of Object.entries(r.scalar ?? {})) {
    const s = (into.scalar ??= {});
    s[name] = Math.max(s[name] ?? 0, v);
  }
}

const clone = (r: Resources): Resources => ({ ...r, ...(r.scalar ? { scalar: { ...r.scalar } } : {}) });

/**
 * A pod's effective request: the sum of its containers, or the largest init container if that is
 * more (init containers run one at a time, before the rest), plus the runtime overhead. Sidecars
 * (init containers with restartPolicy Always) keep running, so they add to the sum and to every
 * init container started after them.
 */
function podResources(spec: PodSpec | undefined, missing?: { cpu: number; memory: number }): Resources {
  const total = emptyResources();
  for (const c of spec?.containers ?? []) addInto(total, fromList(c.resources?.requests, missing));
  const sidecars = emptyResources();
  const initPeak = emptyResources();
  for (const c of (spec?.initContainers ?? []) as Array<Container & { restartPolicy?: string }>) {
    const own = fromList(c.resources?.requests, missing);
    if (c.restartPolicy === 'Always') {
      addInto(total, own);
      addInto(sidecars, own);
      maxInto(initPeak, sidecars);
    } else {
      const during = clone(own);
      addInto(during, sidecars);
      maxInto(initPeak, during);
    }
  }
  maxInto(total, initPeak);
  if (spec?.overhead) addInto(total, fromList(spec.overhead));
  return total;
}

/** What the resource filter checks against the node's allocatable. */
export const podRequests = (spec: PodSpec | undefined): Resources => podResources(spec);

/** What least-allocated scoring counts: a container without a cpu or memory request counts as
 *  100m / 200Mi, so pods that ask for nothing still spread by load. */
export const podNonZeroRequests = (spec: PodSpec | undefined): Resources =>
  podResources(spec, { cpu: defaultMilliCpuRequest, memory: defaultMemoryRequest });

/** status.allocatable; a resource the node does not list is zero, as upstream reads it. */
export function nodeAllocatable(node: Node): Allocatable {
  const list = (node.status?.allocatable ?? {}) as Record<string, unknown>;
  return { ...fromList(list), pods: 'pods' in list ? whole(list.pods) : 0 };
}
