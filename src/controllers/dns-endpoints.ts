// The endpoints of the kube-dns Service: every node runs its own DNS server (src/dns/), so the
// Service has no selector and this controller lists the nodes instead, one endpoint each at the
// node's InternalIP, ready while the Node is Ready. With `internalTrafficPolicy: Local` a node's
// service proxy then sends its pods' queries to that node's own server. Both the core Endpoints
// object and one EndpointSlice are written, as kube-proxy-like readers may follow either.
import { isDeepStrictEqual } from 'node:util';
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import { getIfExists, hasReason, type Client, type ResourceType } from '../client/types.js';
import type { KObject } from '../registry/types.js';
import { defaultDnsPort } from '../dns/port.js';
import { nthAddress, parseCidr } from '../network/ipv4.js';
import { runController, type ReconcileResult, type RunningController } from './runtime/run-controller.js';

const services: ResourceType = { group: '', version: 'v1', resource: 'services' };
const nodes: ResourceType = { group: '', version: 'v1', resource: 'nodes' };
const endpointsType: ResourceType = { group: '', version: 'v1', resource: 'endpoints' };
const endpointSlices: ResourceType = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

export const kubeDnsNamespace = 'kube-system';
export const kubeDnsName = 'kube-dns';
/** The one slice this controller keeps; a fixed name makes its creation idempotent. */
export const kubeDnsSliceName = 'kube-dns-nodes';
// A label value cannot hold '/', so not 'k3ts.io/dns': the same form as upstream's
// 'endpointslice-controller.k8s.io'.
export const dnsManagedBy = 'dns.k3ts.io';
const serviceNameLabel = 'kubernetes.io/service-name';
const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
const key = `${kubeDnsNamespace}/${kubeDnsName}`;

/** The cluster DNS Service for a service CIDR: its `.10`, as K3s (10.43.0.10 for 10.43.0.0/16). */
export function kubeDnsService(serviceCidr: string): KObject {
  const first = serviceCidr.split(',')[0]!.trim();
  const ip = nthAddress(parseCidr(first), 10);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: kubeDnsName, namespace: kubeDnsNamespace, labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'KubeDNS' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: ip,
      clusterIPs: [ip],
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: defaultDnsPort },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: defaultDnsPort },
      ],
      // No selector: the endpoints are nodes, kept by this controller.
      internalTrafficPolicy: 'Local',
      sessionAffinity: 'None',
    },
  };
}

export interface DnsEndpointsControllerOptions {
  client: Client;
  /** Where the nodes' DNS servers listen; 10053 by default. */
  port?: number;
  onError?(key: string, err: unknown): void;
}

interface NodeEndpoint {
  name: string;
  ip: string;
  ready: boolean;
}

/** Nodes that can serve: not being deleted, with an IPv4 InternalIP. */
export function nodeEndpoints(list: KObject[]): NodeEndpoint[] {
  const out: NodeEndpoint[] = [];
  for (const node of list) {
    if (node.metadata.deletionTimestamp) continue;
    const status = (node.status ?? {}) as NonNullable<Node['status']>;
    const ip = (status.addresses ?? []).find((a) => a.type === 'InternalIP' && /^\d+\.\d+\.\d+\.\d+$/.test(a.address))?.address;
    if (!ip) continue;
    const ready = (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    out.push({ name: node.metadata.name!, ip, ready });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

const ignoreNotFound = (err: unknown) => {
  if (!hasReason(err, 'NotFound')) throw err;
};

function desiredSubsets(eps: NodeEndpoint[], port: number): unknown[] {
  if (eps.length === 0) return [];
  const address = (e: NodeEndpoint) => ({ ip: e.ip, nodeName: e.name, targetRef: { kind: 'Node', name: e.name } });
  const ready = eps.filter((e) => e.ready).map(address);
  const notReady = eps.filter((e) => !e.ready).map(address);
  return [{
    ...(ready.length ? { addresses: ready } : {}),
    ...(notReady.length ? { notReadyAddresses: notReady } : {}),
    ports: [{ name: 'dns', port, protocol: 'UDP' }, { name: 'dns-tcp', port, protocol: 'TCP' }],
  }];
}

async function ensureEndpoints(client: Client, eps: NodeEndpoint[], port: number): Promise<void> {
  // Written by us together with the slice: no mirroring into a second slice.
  const labels = { 'endpointslice.kubernetes.io/skip-mirror': 'true' };
  const subsets = desiredSubsets(eps, port);
  const current = await getIfExists(client, endpointsType, kubeDnsNamespace, kubeDnsName);
  if (!current) {
    try {
      await client.create(endpointsType, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: kubeDnsName, namespace: kubeDnsNamespace, labels }, subsets });
    } catch (err) {
      // Created meanwhile (another server): its watch event brings us back.
      if (!hasReason(err, 'AlreadyExists')) throw err;
    }
    return;
  }
  if (isDeepStrictEqual(current.subsets ?? [], subsets) && isDeepStrictEqual(current.metadata.labels ?? {}, labels)) return;
  const next = structuredClone(current);
  next.subsets = subsets;
  next.metadata.labels = labels;
  await client.update(endpointsType, next);
}

async function ensureSlice(client: Client, svc: KObject, eps: NodeEndpoint[], port: number): Promise<void> {
  const labels = { [serviceNameLabel]: kubeDnsName, [managedByLabel]: dnsManagedBy };
  const ownerReferences = [{ apiVersion: 'v1', kind: 'Service', name: kubeDnsName, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }];
  const content = {
    addressType: 'IPv4',
    endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready, serving: e.ready, terminating: false }, nodeName: e.name, targetRef: { kind: 'Node', name: e.name } })),
    ports: [{ name: 'dns', port, protocol: 'UDP' }, { name: 'dns-tcp', port, protocol: 'TCP' }],
  };
  const ours = (await client.list(endpointSlices, { namespace: kubeDnsNamespace, labelSelector: `${serviceNameLabel}=${kubeDnsName},${managedByLabel}=${dnsManagedBy}` })).items;
  for (const s of ours) if (s.metadata.name !== kubeDnsSliceName) await client.delete(endpointSlices, kubeDnsNamespace, s.metadata.name!).catch(ignoreNotFound);
  const current = await getIfExists(client, endpointSlices, kubeDnsNamespace, kubeDnsSliceName);
  if (!current) {
    try {
      await client.create(endpointSlices, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: kubeDnsSliceName, namespace: kubeDnsNamespace, labels, ownerReferences }, ...content });
    } catch (err) {
      if (!hasReason(err, 'AlreadyExists')) throw err;
    }
    return;
  }
  const same =
    isDeepStrictEqual(current.metadata.labels ?? {}, labels) &&
    isDeepStrictEqual(current.metadata.ownerReferences ?? [], ownerReferences) &&
    current.addressType === content.addressType &&
    isDeepStrictEqual(current.endpoints ?? [], content.endpoints) &&
    isDeepStrictEqual(current.ports ?? [], content.ports);
  if (same) return;
  // addressType cannot change: a slice of another type is deleted, and its deletion's event brings
  // us back to create the right one.
  if (current.addressType !== content.addressType) return client.delete(endpointSlices, kubeDnsNamespace, kubeDnsSliceName).catch(ignoreNotFound);
  const next = structuredClone(current);
  next.metadata.labels = labels;
  next.metadata.ownerReferences = ownerReferences;
  next.endpoints = content.endpoints;
  next.ports = content.ports;
  await client.update(endpointSlices, next);
}

/** Converges the kube-dns Endpoints and EndpointSlice on the current nodes; safe to run any time. */
export async function reconcileDnsEndpoints(o: DnsEndpointsControllerOptions): Promise<ReconcileResult | void> {
  const port = o.port ?? defaultDnsPort;
  const svc = await getIfExists(o.client, services, kubeDnsNamespace, kubeDnsName);
  if (!svc || svc.metadata.deletionTimestamp || Object.keys((svc.spec as Service['spec'])?.selector ?? {}).length > 0) {
    // No Service, or one that selects pods (someone runs their own DNS): the endpoints are not ours.
    if (!svc) await o.client.delete(endpointsType, kubeDnsNamespace, kubeDnsName).catch(ignoreNotFound);
    const ours = (await o.client.list(endpointSlices, { namespace: kubeDnsNamespace, labelSelector: `${managedByLabel}=${dnsManagedBy}` })).items;
    for (const s of ours) await o.client.delete(endpointSlices, kubeDnsNamespace, s.metadata.name!).catch(ignoreNotFound);
    return;
  }
  const eps = nodeEndpoints((await o.client.list(nodes)).items);
  await ensureEndpoints(o.client, eps, port);
  await ensureSlice(o.client, svc, eps, port);
}

export function runDnsEndpointsController(o: DnsEndpointsControllerOptions, signal: AbortSignal): Promise<RunningController> {
  const isKubeDns = (obj: KObject) => obj.metadata.namespace === kubeDnsNamespace && obj.metadata.name === kubeDnsName;
  return runController(
    {
      name: 'dns-endpoints',
      client: o.client,
      for: services,
      watches: [
        // Any node added, removed, readdressed or changing readiness.
        { type: nodes, keyOf: () => key },
        // Our objects edited or deleted by someone else are put right.
        { type: endpointsType, keyOf: (e) => (isKubeDns(e) ? key : undefined) },
        { type: endpointSlices, keyOf: (s) => (s.metadata.namespace === kubeDnsNamespace && s.metadata.labels?.[serviceNameLabel] === kubeDnsName ? key : undefined) },
      ],
      // Every Service's events arrive under its own key: only kube-dns's matter.
      reconcile: (k) => (k === key ? reconcileDnsEndpoints(o) : Promise.resolve()),
      onError: o.onError,
    },
    signal,
  );
}
