// What every cluster has from its first second: the four system namespaces and the `kubernetes`
// Service with Endpoints/EndpointSlice pointing at this API server, and the cluster DNS Service
// (its endpoints are the nodes' DNS servers; controllers/dns-endpoints.ts). Idempotent on every start.
import { kubeDnsService } from '../controllers/dns-endpoints.js';
import { ApiError } from '../apiserver/errors.js';
import type { ResourceContext } from '../apiserver/resources/context.js';
import { createObject, replaceStored } from '../apiserver/resources/operations.js';
import type { KObject } from '../registry/types.js';
import { isDeepStrictEqual } from 'node:util';

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function ensureCreated(ctx: ResourceContext, resource: { group: string; version: string; plural: string }, obj: KObject): Promise<void> {
  const d = ctx.registry.findByResource(resource.group, resource.version, resource.plural)!;
  try {
    await createObject(ctx, d, obj.metadata.namespace, obj);
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
  }
}

/** Creates `obj`, or brings the stored one's `fields` to their wanted values. */
async function ensureField(ctx: ResourceContext, resource: { group: string; version: string; plural: string }, obj: KObject, fields: string[]): Promise<void> {
  const d = ctx.registry.findByResource(resource.group, resource.version, resource.plural)!;
  const current = await ctx.store.tryGet(d, obj.metadata.namespace, obj.metadata.name!);
  if (!current) return ensureCreated(ctx, resource, obj);
  if (fields.every((f) => isDeepStrictEqual(current[f], obj[f]))) return;
  const next = structuredClone(current);
  for (const f of fields) next[f] = obj[f];
  await replaceStored(ctx, d, current, next, {});
}

export interface BootstrapOptions {
  advertiseAddress: string;
  port: number;
  serviceIP: string;
  /** With it, also the cluster DNS Service (kube-system/kube-dns at the range's .10), as K3s ships CoreDNS's. */
  serviceCidr?: string;
  /** Several servers share the datastore: the Endpoints list every live server
   *  (controllers/apiserver-endpoints.ts keeps them), so a start must not reset them to itself. */
  sharedDatastore?: boolean;
}

export async function bootstrapCluster(ctx: ResourceContext, o: BootstrapOptions): Promise<void> {
  for (const name of systemNamespaces) {
    await ensureCreated(ctx, { group: '', version: 'v1', plural: 'namespaces' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  await ensureCreated(ctx, { group: '', version: 'v1', plural: 'services' }, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels },
    spec: { type: 'ClusterIP', clusterIP: o.serviceIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: o.port }], sessionAffinity: 'None' },
  });
  type Resource = Parameters<typeof ensureCreated>[1];
  // Alone, the endpoints are this server; sharing the datastore, they are kept by every server together.
  const ensureEndpoints = (r: Resource, obj: KObject, fields: string[]) => (o.sharedDatastore ? ensureCreated(ctx, r, obj) : ensureField(ctx, r, obj, fields));
  await ensureEndpoints({ group: '', version: 'v1', plural: 'endpoints' }, {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: o.advertiseAddress }], ports: [{ name: 'https', port: o.port, protocol: 'TCP' }] }],
  }, ['subsets']);
  await ensureEndpoints({ group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices' }, {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'k3ts-apiserver' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [o.advertiseAddress], conditions: { ready: true } }],
    ports: [{ name: 'https', port: o.port, protocol: 'TCP' }],
  }, ['endpoints', 'ports']);
  if (o.serviceCidr) await ensureCreated(ctx, { group: '', version: 'v1', plural: 'services' }, kubeDnsService(o.serviceCidr));
}
