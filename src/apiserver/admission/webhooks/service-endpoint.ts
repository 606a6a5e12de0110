// A webhook named by a Service is called at one of the Service's ready endpoint addresses (from its
// Endpoints, else its EndpointSlices): the server need not route ClusterIPs for this to work, and a
// Service without a selector whose Endpoints were written by hand is served the same way.
import { ApiError } from '../../errors.js';
import type { KObject } from '../../../registry/types.js';
import type { ResourceContext } from '../../resources/context.js';
import { CallFailure } from './call.js';
import type { WebhookService } from './configurations.js';

type Json = Record<string, unknown>;
interface ServicePort { name?: string; port?: number; targetPort?: number | string }
interface EndpointPort { name?: string; port?: number }

async function getOrUndefined(ctx: ResourceContext, group: string, resource: string, namespace: string, name: string): Promise<KObject | undefined> {
  const d = ctx.registry.findByResource(group, 'v1', resource)!;
  try {
    return await ctx.store.get(d, namespace, name);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

const pick = <T>(list: T[]): T | undefined => list[Math.floor(Math.random() * list.length)];

function fromEndpoints(endpoints: KObject | undefined, portName: string): { host: string; port: number } | undefined {
  const candidates: Array<{ host: string; port: number }> = [];
  for (const subset of (endpoints?.subsets as Json[] | undefined) ?? []) {
    const ports = (subset.ports as EndpointPort[] | undefined) ?? [];
    const port = ports.find((p) => (p.name ?? '') === portName) ?? (ports.length === 1 ? ports[0] : undefined);
    if (!port?.port) continue;
    for (const a of (subset.addresses as Json[] | undefined) ?? []) if (typeof a.ip === 'string') candidates.push({ host: a.ip, port: port.port });
  }
  return pick(candidates);
}

async function fromSlices(ctx: ResourceContext, svc: WebhookService, portName: string): Promise<{ host: string; port: number } | undefined> {
  const d = ctx.registry.findByResource('discovery.k8s.io', 'v1', 'endpointslices')!;
  const page = await ctx.store.list(d, { namespace: svc.namespace, filter: (o) => o.metadata.labels?.['kubernetes.io/service-name'] === svc.name });
  const candidates: Array<{ host: string; port: number }> = [];
  for (const slice of page.items) {
    const ports = (slice.ports as EndpointPort[] | undefined) ?? [];
    const port = ports.find((p) => (p.name ?? '') === portName) ?? (ports.length === 1 ? ports[0] : undefined);
    if (!port?.port) continue;
    for (const ep of (slice.endpoints as Json[] | undefined) ?? []) {
      if ((ep.conditions as Json | undefined)?.ready === false) continue;
      for (const ip of (ep.addresses as string[] | undefined) ?? []) candidates.push({ host: ip, port: port.port });
    }
  }
  return pick(candidates);
}

export async function resolveService(ctx: ResourceContext, svc: WebhookService): Promise<{ host: string; port: number }> {
  const service = await getOrUndefined(ctx, '', 'services', svc.namespace, svc.name);
  if (!service) throw new CallFailure(`failed to call webhook: service "${svc.name}" not found`);
  const ports = ((service.spec as Json | undefined)?.ports as ServicePort[] | undefined) ?? [];
  const sp = ports.find((p) => p.port === svc.port);
  if (!sp) throw new CallFailure(`failed to call webhook: no service port ${svc.port} found for service "${svc.name}"`);
  const endpoint = fromEndpoints(await getOrUndefined(ctx, '', 'endpoints', svc.namespace, svc.name), sp.name ?? '') ?? (await fromSlices(ctx, svc, sp.name ?? ''));
  if (!endpoint) throw new CallFailure(`failed to call webhook: service "${svc.namespace}/${svc.name}" has no ready endpoints`);
  return endpoint;
}
