// ServiceLB, K3s's built-in load balancer, in its simplest form: a LoadBalancer Service is reached
// on its port at every Ready node's IP (each node's service proxy forwards traffic for its own
// address), so its status.loadBalancer.ingress lists those IPs. `kubectl get svc` then shows an
// EXTERNAL-IP instead of <pending> forever, which is what users of a bare cluster meet.
import { isDeepStrictEqual } from 'node:util';
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import { hasReason, type Client, type ResourceType } from '../client/types.js';
import type { KObject } from '../registry/types.js';
import { runController, type RunningController } from './runtime/run-controller.js';

const services: ResourceType = { group: '', version: 'v1', resource: 'services' };
const nodes: ResourceType = { group: '', version: 'v1', resource: 'nodes' };

/** Any node change may change every LoadBalancer's addresses. */
const ALL = '*/*';

export interface ServiceLbOptions {
  client: Client;
  onError?(key: string, err: unknown): void;
}

/** Ready, schedulable nodes' InternalIPs, sorted so the status only changes when they do. */
export function ingressAddresses(list: Node[]): string[] {
  const ips = list
    .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && !n.spec?.unschedulable)
    .map((n) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address)
    .filter((ip): ip is string => !!ip);
  return [...new Set(ips)].sort();
}

const isLoadBalancer = (svc: Service) => svc.spec?.type === 'LoadBalancer' && !svc.spec.loadBalancerClass;

async function reconcile(o: ServiceLbOptions, key: string): Promise<void> {
  const [namespace, name] = key.split('/') as [string, string];
  const targets = name === '*' ? ((await o.client.list(services)).items as Service[]) : [await getService(o.client, namespace, name)].filter((s): s is Service => !!s);
  const lbs = targets.filter(isLoadBalancer);
  if (!lbs.length) return;
  const ips = ingressAddresses((await o.client.list(nodes)).items as Node[]);
  const ingress = ips.map((ip) => ({ ip, ipMode: 'VIP' }));
  for (const svc of lbs) {
    if (isDeepStrictEqual(svc.status?.loadBalancer?.ingress ?? [], ingress)) continue;
    try {
      await o.client.patch(services, svc.metadata!.namespace, svc.metadata!.name!, { type: 'merge', body: { status: { loadBalancer: { ingress: ingress.length ? ingress : null } } } }, { subresource: 'status' });
    } catch (err) {
      if (!hasReason(err, 'NotFound')) throw err;
    }
  }
}

async function getService(client: Client, namespace: string, name: string): Promise<Service | undefined> {
  try {
    return (await client.get(services, namespace, name)) as Service;
  } catch (err) {
    if (hasReason(err, 'NotFound')) return undefined;
    throw err;
  }
}

export function runServiceLb(o: ServiceLbOptions, signal: AbortSignal): Promise<RunningController> {
  return runController(
    {
      name: 'service-lb',
      client: o.client,
      for: services,
      watches: [{ type: nodes, keyOf: (_n: KObject) => ALL }],
      reconcile: (key) => reconcile(o, key),
      onError: o.onError,
    },
    signal,
  );
}
