// Short constructors for the Service and EndpointSlice objects the proxy reads, for its tests and
// benchmark: only the fields the proxy looks at.
import type { Service, ServicePort, ServiceSpec } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KObject } from '../registry/types.js';

/** Typed as both what the proxy reads and what an informer holds. */
export type ServiceObject = Service & KObject;
export type EndpointSliceObject = EndpointSlice & KObject;

export function service(name: string, spec: Partial<ServiceSpec> & { ports?: ServicePort[] }, o: { namespace?: string; lbIPs?: string[]; resourceVersion?: string } = {}): ServiceObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: o.namespace ?? 'default', ...(o.resourceVersion ? { resourceVersion: o.resourceVersion } : {}) },
    spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec },
    ...(o.lbIPs ? { status: { loadBalancer: { ingress: o.lbIPs.map((ip) => ({ ip })) } } } : {}),
  };
}

export interface EndpointSpec {
  ip: string;
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export function endpointSlice(
  serviceName: string,
  endpoints: EndpointSpec[],
  o: { namespace?: string; name?: string; ports?: Array<{ name?: string; port: number; protocol?: string }>; resourceVersion?: string } = {},
): EndpointSliceObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: o.name ?? `${serviceName}-abcde`,
      namespace: o.namespace ?? 'default',
      labels: { 'kubernetes.io/service-name': serviceName },
      ...(o.resourceVersion ? { resourceVersion: o.resourceVersion } : {}),
    },
    addressType: 'IPv4',
    ports: (o.ports ?? [{ name: 'http', port: 8080 }]).map((p) => ({ protocol: 'TCP', ...p })),
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
      ...(e.node ? { nodeName: e.node } : {}),
    })),
  };
}
