// `kubectl get services`: cluster IP, externally reachable addresses per service type, and ports.
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, formatLabels, nameColumn } from './common.js';
import { doc } from './docs.js';

/** `80/TCP`, or `80:30080/TCP` when a node port is allocated. */
export function formatServicePorts(ports: ServicePort[] | undefined): string {
  const text = (ports ?? [])
    .map((p) => {
      const proto = p.protocol || 'TCP';
      return p.nodePort && p.nodePort > 0 ? `${p.port}:${p.nodePort}/${proto}` : `${p.port}/${proto}`;
    })
    .join(',');
  return text || '<none>';
}

function loadBalancerAddresses(svc: Service): string[] {
  // A sorted set: duplicates collapse, order is independent of the controller's.
  const seen = new Set<string>();
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (ing.ip) seen.add(ing.ip);
    else if (ing.hostname) seen.add(ing.hostname);
  }
  return [...seen].sort();
}

// Tables are always built in wide form, so the 16-character load balancer cut kubectl applies to its own
// narrow printing never happens here.
export function externalIP(svc: Service): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const all = [...loadBalancerAddresses(svc), ...externalIPs];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

export const serviceTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Type', 'string', doc['ServiceSpec.type']),
    column('Cluster-IP', 'string', doc['ServiceSpec.clusterIP']),
    column('External-IP', 'string', doc['ServiceSpec.externalIPs']),
    column('Port(s)', 'string', doc['ServiceSpec.ports']),
    ageColumn(),
    column('Selector', 'string', doc['ServiceSpec.selector'], { wide: true }),
  ],
  cells(obj: KObject, now: Date) {
    const svc = obj as unknown as Service;
    // clusterIP stands in for clusterIPs on objects stored before clusterIPs was filled in.
    const clusterIP = svc.spec?.clusterIPs?.[0] ?? svc.spec?.clusterIP;
    return [
      obj.metadata.name ?? '',
      svc.spec?.type ?? '',
      clusterIP || '<none>',
      externalIP(svc),
      formatServicePorts(svc.spec?.ports),
      ageOf(obj.metadata.creationTimestamp, now),
      formatLabels(svc.spec?.selector),
    ];
  },
};
