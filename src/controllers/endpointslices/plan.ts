// Plans the EndpointSlices of one Service from its backends and the slices it already has. Slices
// are changed in place wherever possible: an endpoint stays in the slice that holds it, new ones
// fill the free room of existing slices before a new slice is made, and a slice is deleted only
// when it is left empty. Pure, so the churn rules are tested without a server.
import { isDeepStrictEqual } from 'node:util';
import type { KObject } from '../../registry/types.js';
import { podRef, portSetKey, type Backend, type BackendPort } from './backends.js';

export const maxEndpointsPerSlice = 100;

export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: string; namespace: string; name: string; uid: string };
}

export interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface SlicePlan {
  /** New slices: endpoints and ports to create with. */
  create: Array<{ ports: SlicePort[]; endpoints: SliceEndpoint[] }>;
  /** Existing slices whose endpoints or ports change. */
  update: Array<{ slice: KObject; ports: SlicePort[]; endpoints: SliceEndpoint[] }>;
  /** Existing slices that carry the right content already (their labels may still need a touch). */
  keep: KObject[];
  delete: KObject[];
}

const toSlicePort = (p: BackendPort): SlicePort => ({ name: p.name, port: p.port, protocol: p.protocol, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) });

export function toSliceEndpoint(b: Backend): SliceEndpoint {
  return {
    addresses: [b.ip],
    conditions: { ready: b.ready, serving: b.serving, terminating: b.terminating },
    ...(b.hostname ? { hostname: b.hostname } : {}),
    ...(b.nodeName ? { nodeName: b.nodeName } : {}),
    targetRef: podRef(b.pod),
  };
}

const endpointKey = (e: { targetRef?: { uid?: string }; addresses?: string[] }) => e.targetRef?.uid ?? e.addresses?.[0] ?? '';

const slicePortsOf = (slice: KObject): SlicePort[] =>
  ((slice.ports as SlicePort[] | undefined) ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));

const slicePortKey = (slice: KObject) => portSetKey(slicePortsOf(slice));

export function planSlices(backends: Backend[], existing: KObject[]): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], keep: [], delete: [] };
  // Desired endpoints, grouped by the ports they serve.
  const groups = new Map<string, { ports: SlicePort[]; endpoints: Map<string, SliceEndpoint> }>();
  for (const b of backends) {
    if (b.ip.includes(':')) continue; // IPv4 slices only
    const key = portSetKey(b.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: b.ports.map(toSlicePort), endpoints: new Map() }));
    const e = toSliceEndpoint(b);
    g.endpoints.set(endpointKey(e), e);
  }
  const sorted = [...existing].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));

  if (groups.size === 0) {
    // No endpoints at all: one empty placeholder slice stands for the Service, as upstream keeps.
    const [first, ...rest] = sorted;
    if (!first) plan.create.push({ ports: [], endpoints: [] });
    else if (((first.endpoints as unknown[] | undefined) ?? []).length === 0 && slicePortsOf(first).length === 0) plan.keep.push(first);
    else plan.update.push({ slice: first, ports: [], endpoints: [] });
    plan.delete.push(...rest);
    return plan;
  }

  const claimed = new Set<KObject>();
  for (const [key, g] of groups) {
    const mine = sorted.filter((s) => !claimed.has(s) && slicePortKey(s) === key);
    mine.forEach((s) => claimed.add(s));
    const left = new Map(g.endpoints);
    // Endpoints stay where they are, with their current facts.
    const filled = mine.map((slice) => {
      const kept: SliceEndpoint[] = [];
      for (const e of (slice.endpoints as SliceEndpoint[] | undefined) ?? []) {
        const k = endpointKey(e);
        const want = left.get(k);
        if (!want || kept.length >= maxEndpointsPerSlice) continue;
        kept.push(want);
        left.delete(k);
      }
      return { slice, endpoints: kept };
    });
    // New endpoints fill free room before any new slice is made.
    const rest = [...left.values()];
    for (const f of filled) while (f.endpoints.length < maxEndpointsPerSlice && rest.length > 0) f.endpoints.push(rest.shift()!);
    for (let i = 0; i < rest.length; i += maxEndpointsPerSlice) plan.create.push({ ports: g.ports, endpoints: rest.slice(i, i + maxEndpointsPerSlice) });
    for (const f of filled) {
      if (f.endpoints.length === 0) plan.delete.push(f.slice);
      else if (isDeepStrictEqual(f.endpoints, f.slice.endpoints ?? []) && isDeepStrictEqual(g.ports, slicePortsOf(f.slice))) plan.keep.push(f.slice);
      else plan.update.push({ slice: f.slice, ports: g.ports, endpoints: f.endpoints });
    }
  }
  plan.delete.push(...sorted.filter((s) => !claimed.has(s)));
  return plan;
}
