// The Endpoints controller: every Service with a selector has an Endpoints object of the same name
// listing the pods it selects, ready ones under `addresses` and the rest under `notReadyAddresses`,
// grouped into subsets by the ports they serve. Services without a selector are left alone (their
// Endpoints are written by hand, or by the server for `kubernetes`).
import { isDeepStrictEqual } from 'node:util';
import { hasReason, type Client, type ResourceType } from '../client/types.js';
import type { KObject } from '../registry/types.js';
import { backendsOf, podRef, portSetKey, publishedLabels, selectedPods, serviceSelector, type Backend, type BackendPort } from './endpointslices/backends.js';
import { runController, type ReconcileResult, type RunningController } from './runtime/run-controller.js';

const services: ResourceType = { group: '', version: 'v1', resource: 'services' };
const endpoints: ResourceType = { group: '', version: 'v1', resource: 'endpoints' };
const pods: ResourceType = { group: '', version: 'v1', resource: 'pods' };

/** A key naming every Service of a namespace: a pod change may concern any of them. */
const allInNamespace = (namespace: string) => `${namespace}/*`;

export interface EndpointsControllerOptions {
  client: Client;
  onError?(key: string, err: unknown): void;
}

const address = (b: Backend) => ({
  ip: b.ip,
  ...(b.hostname ? { hostname: b.hostname } : {}),
  ...(b.nodeName ? { nodeName: b.nodeName } : {}),
  targetRef: podRef(b.pod),
});

const endpointPort = (p: BackendPort) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) });

/** Subsets as upstream packs them: one per distinct port set, addresses sorted by IP. */
export function subsetsOf(backends: Backend[]): Array<Record<string, unknown>> {
  const groups = new Map<string, { ports: BackendPort[]; ready: Backend[]; notReady: Backend[] }>();
  for (const b of backends) {
    const key = portSetKey(b.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: b.ports, ready: [], notReady: [] }));
    (b.serving ? g.ready : g.notReady).push(b);
  }
  const byIp = (a: Backend, b: Backend) => compareIp(a.ip, b.ip) || a.pod.metadata.name!.localeCompare(b.pod.metadata.name!);
  return [...groups.values()].map((g) => ({
    ...(g.ready.length ? { addresses: g.ready.sort(byIp).map(address) } : {}),
    ...(g.notReady.length ? { notReadyAddresses: g.notReady.sort(byIp).map(address) } : {}),
    ...(g.ports.length ? { ports: g.ports.map(endpointPort) } : {}),
  }));
}

function compareIp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return a.localeCompare(b);
}

async function reconcileService(o: EndpointsControllerOptions, namespace: string, name: string): Promise<void> {
  let svc: KObject;
  try {
    svc = await o.client.get(services, namespace, name);
  } catch (err) {
    if (!hasReason(err, 'NotFound')) throw err;
    try {
      await o.client.delete(endpoints, namespace, name);
    } catch (e) {
      if (!hasReason(e, 'NotFound')) throw e;
    }
    return;
  }
  const selector = serviceSelector(svc);
  if (!selector || svc.metadata.deletionTimestamp) return;
  const publishNotReady = (svc.spec as { publishNotReadyAddresses?: boolean }).publishNotReadyAddresses === true;
  const backends = backendsOf(svc, await selectedPods(o.client, namespace, selector), { includeTerminating: publishNotReady });
  const subsets = subsetsOf(backends);
  const labels = publishedLabels(svc);

  let current: KObject | undefined;
  try {
    current = await o.client.get(endpoints, namespace, name);
  } catch (err) {
    if (!hasReason(err, 'NotFound')) throw err;
  }
  if (!current) {
    try {
      await o.client.create(endpoints, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, ...(Object.keys(labels).length ? { labels } : {}) }, subsets });
    } catch (err) {
      // Created meanwhile (the next event reconciles it), or the namespace is going away.
      if (!hasReason(err, 'AlreadyExists') && !hasReason(err, 'Forbidden')) throw err;
    }
    return;
  }
  const currentSubsets = (current.subsets as unknown[] | undefined) ?? [];
  const currentLabels = current.metadata.labels ?? {};
  if (isDeepStrictEqual(currentSubsets, subsets) && isDeepStrictEqual(currentLabels, labels)) return;
  const next = structuredClone(current);
  next.subsets = subsets;
  if (Object.keys(labels).length) next.metadata.labels = labels;
  else delete next.metadata.labels;
  await o.client.update(endpoints, next);
}

export async function reconcileEndpoints(o: EndpointsControllerOptions, key: string): Promise<ReconcileResult | void> {
  const [namespace, name] = key.split('/') as [string, string];
  if (name !== '*') return reconcileService(o, namespace, name);
  for (const svc of (await o.client.list(services, { namespace })).items) {
    if (serviceSelector(svc)) await reconcileService(o, namespace, svc.metadata.name!);
  }
}

export function runEndpointsController(o: EndpointsControllerOptions, signal: AbortSignal): Promise<RunningController> {
  return runController(
    {
      name: 'endpoints',
      client: o.client,
      for: services,
      watches: [{ type: pods, keyOf: (pod) => (pod.metadata.namespace ? allInNamespace(pod.metadata.namespace) : undefined) }],
      reconcile: (key) => reconcileEndpoints(o, key),
      workers: 2,
      onError: o.onError,
    },
    signal,
  );
}
