// Which pods back a Service, at which address and on which ports: the facts both the Endpoints and
// the EndpointSlice controllers publish, each in its own shape.
import type { Container, Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { Client, ResourceType } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';

const pods: ResourceType = { group: '', version: 'v1', resource: 'pods' };

export interface BackendPort {
  /** The Service port's name ('' when it has none). */
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface Backend {
  pod: KObject;
  ip: string;
  nodeName?: string;
  hostname?: string;
  ports: BackendPort[];
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/** The pods a Service selects; undefined when it has no selector (its endpoints are someone else's). */
export function serviceSelector(svc: KObject): Record<string, string> | undefined {
  const selector = (svc.spec as Service['spec'])?.selector;
  return selector && Object.keys(selector).length > 0 ? selector : undefined;
}

export async function selectedPods(client: Client, namespace: string, selector: Record<string, string>): Promise<KObject[]> {
  const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  return (await client.list(pods, { namespace, labelSelector })).items;
}

export const isPodReady = (pod: KObject) => ((pod.status as Pod['status'])?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** A named target port is looked up among the pod's container ports of the same protocol. */
function resolvePort(sp: ServicePort, pod: KObject): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  for (const c of ((pod.spec as Pod['spec'])?.containers ?? []) as Container[]) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/**
 * The pods of `candidates` that back `svc`: running or about to (not finished), with an address,
 * and, unless `includeTerminating`, not being deleted. A pod that has none of the Service's ports
 * (a named target port it does not define) is left out, except for a headless Service without
 * ports, which publishes bare addresses.
 */
export function backendsOf(svc: KObject, candidates: KObject[], opts: { includeTerminating: boolean }): Backend[] {
  const spec = (svc.spec ?? {}) as NonNullable<Service['spec']>;
  const publishNotReady = spec.publishNotReadyAddresses === true;
  const headless = spec.clusterIP === 'None';
  const out: Backend[] = [];
  for (const pod of candidates) {
    const status = (pod.status ?? {}) as NonNullable<Pod['status']>;
    const podSpec = (pod.spec ?? {}) as NonNullable<Pod['spec']>;
    if (!status.podIP || status.phase === 'Succeeded' || status.phase === 'Failed') continue;
    const terminating = !!pod.metadata.deletionTimestamp;
    if (terminating && !opts.includeTerminating) continue;
    const ports: BackendPort[] = [];
    for (const sp of spec.ports ?? []) {
      const port = resolvePort(sp, pod);
      if (port === undefined) continue;
      ports.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    if (ports.length === 0 && !(headless && (spec.ports ?? []).length === 0)) continue;
    const serving = publishNotReady || isPodReady(pod);
    out.push({
      pod,
      ip: status.podIP,
      ...(podSpec.nodeName ? { nodeName: podSpec.nodeName } : {}),
      // A pod that names this Service as its subdomain gets a DNS name of its own.
      ...(podSpec.hostname && podSpec.subdomain === svc.metadata.name ? { hostname: podSpec.hostname } : {}),
      ports,
      serving,
      ready: publishNotReady || (serving && !terminating),
      terminating,
    });
  }
  return out;
}

export const portSetKey = (ports: BackendPort[]) => JSON.stringify(ports.map((p) => [p.name, p.port, p.protocol, p.appProtocol ?? '']));

export const podRef = (pod: KObject) => ({ kind: 'Pod', namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! });

/** Labels both kinds carry: the Service's own, and the headless marker. */
export function publishedLabels(svc: KObject): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if ((svc.spec as Service['spec'])?.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
  return labels;
}
