// The EndpointSlice controller: the pods behind every Service with a selector, published as
// discovery.k8s.io/v1 EndpointSlices named `<service>-xxxxx`, owned by the Service, at most 100
// endpoints each. Terminating pods stay listed (ready=false, terminating=true) so proxies can drain
// them, as upstream does.
import { isDeepStrictEqual } from 'node:util';
import { hasReason, type Client, type ResourceType } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { runController, type ReconcileResult, type RunningController } from '../runtime/run-controller.js';
import { backendsOf, publishedLabels, selectedPods, serviceSelector } from './backends.js';
import { planSlices, type SliceEndpoint, type SlicePort } from './plan.js';

const services: ResourceType = { group: '', version: 'v1', resource: 'services' };
const pods: ResourceType = { group: '', version: 'v1', resource: 'pods' };
const endpointSlices: ResourceType = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

export const serviceNameLabel = 'kubernetes.io/service-name';
export const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
export const managedBy = 'endpointslice-controller.k8s.io';

export interface EndpointSliceControllerOptions {
  client: Client;
  onError?(key: string, err: unknown): void;
}

const ignoreNotFound = (err: unknown) => {
  if (!hasReason(err, 'NotFound')) throw err;
};

async function slicesOf(client: Client, namespace: string, service: string): Promise<KObject[]> {
  return (await client.list(endpointSlices, { namespace, labelSelector: `${serviceNameLabel}=${service},${managedByLabel}=${managedBy}` })).items;
}

async function reconcileService(o: EndpointSliceControllerOptions, namespace: string, name: string): Promise<void> {
  let svc: KObject | undefined;
  try {
    svc = await o.client.get(services, namespace, name);
  } catch (err) {
    ignoreNotFound(err);
  }
  const existing = await slicesOf(o.client, namespace, name);
  if (!svc) {
    // The garbage collector would get there too, through the owner reference; no need to wait.
    for (const s of existing) await o.client.delete(endpointSlices, namespace, s.metadata.name!).catch(ignoreNotFound);
    return;
  }
  const selector = serviceSelector(svc);
  if (!selector || svc.metadata.deletionTimestamp) return;
  // Slices left over from an earlier Service of the same name are not this one's to reuse.
  const ours = existing.filter((s) => (s.metadata.ownerReferences ?? []).some((r) => r.uid === svc.metadata.uid));
  for (const s of existing) if (!ours.includes(s)) await o.client.delete(endpointSlices, namespace, s.metadata.name!).catch(ignoreNotFound);

  const backends = backendsOf(svc, await selectedPods(o.client, namespace, selector), { includeTerminating: true });
  const plan = planSlices(backends, ours);
  const labels = { ...publishedLabels(svc), [serviceNameLabel]: name, [managedByLabel]: managedBy };
  const owner = { apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true };
  const body = (ports: SlicePort[], endpoints: SliceEndpoint[]) => ({ addressType: 'IPv4', endpoints, ...(ports.length ? { ports } : {}) });

  for (const c of plan.create) {
    try {
      await o.client.create(endpointSlices, {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { generateName: `${name}-`, namespace, labels, ownerReferences: [owner] },
        ...body(c.ports, c.endpoints),
      });
    } catch (err) {
      if (!hasReason(err, 'Forbidden')) throw err; // the namespace is going away
    }
  }
  for (const u of plan.update) {
    const next = structuredClone(u.slice);
    next.metadata.labels = labels;
    next.endpoints = u.endpoints;
    if (u.ports.length) next.ports = u.ports;
    else delete next.ports;
    await o.client.update(endpointSlices, next).catch(ignoreNotFound);
  }
  for (const k of plan.keep) {
    if (isDeepStrictEqual(k.metadata.labels ?? {}, labels)) continue;
    await o.client.update(endpointSlices, { ...structuredClone(k), metadata: { ...structuredClone(k.metadata), labels } }).catch(ignoreNotFound);
  }
  for (const d of plan.delete) await o.client.delete(endpointSlices, namespace, d.metadata.name!).catch(ignoreNotFound);
}

export async function reconcileEndpointSlices(o: EndpointSliceControllerOptions, key: string): Promise<ReconcileResult | void> {
  const [namespace, name] = key.split('/') as [string, string];
  if (name !== '*') return reconcileService(o, namespace, name);
  for (const svc of (await o.client.list(services, { namespace })).items) {
    if (serviceSelector(svc)) await reconcileService(o, namespace, svc.metadata.name!);
  }
}

export function runEndpointSliceController(o: EndpointSliceControllerOptions, signal: AbortSignal): Promise<RunningController> {
  return runController(
    {
      name: 'endpointslice',
      client: o.client,
      for: services,
      watches: [
        // Any pod change may concern any Service of its namespace.
        { type: pods, keyOf: (pod) => (pod.metadata.namespace ? `${pod.metadata.namespace}/*` : undefined) },
        // A slice of ours edited or deleted by someone else is put right.
        {
          type: endpointSlices,
          keyOf: (s) => {
            const l = s.metadata.labels ?? {};
            return l[managedByLabel] === managedBy && l[serviceNameLabel] ? `${s.metadata.namespace}/${l[serviceNameLabel]}` : undefined;
          },
        },
      ],
      reconcile: (key) => reconcileEndpointSlices(o, key),
      onError: o.onError,
    },
    signal,
  );
}
