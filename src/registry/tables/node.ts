// `kubectl get nodes`: readiness, cordon state and the roles taken from well-known labels.
import type { Node } from 'kubernetes-types/core/v1.js';
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, nameColumn } from './common.js';
import { doc } from './docs.js';

const ROLE_PREFIX = 'node-role.kubernetes.io/';
const ROLE_LABEL = 'kubernetes.io/role';

const columns = [
  nameColumn(),
  column('Status', 'string', 'The status of the node'),
  column('Roles', 'string', 'The roles of the node'),
  ageColumn(),
  column('Version', 'string', doc['NodeSystemInfo.kubeletVersion']),
  column('Internal-IP', 'string', doc['NodeStatus.addresses'], { wide: true }),
  column('External-IP', 'string', doc['NodeStatus.addresses'], { wide: true }),
  column('OS-Image', 'string', doc['NodeSystemInfo.osImage'], { wide: true }),
  column('Kernel-Version', 'string', doc['NodeSystemInfo.kernelVersion'], { wide: true }),
  column('Container-Runtime', 'string', doc['NodeSystemInfo.containerRuntimeVersion'], { wide: true }),
];

export function nodeRoles(labels: Record<string, string> | undefined): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX)) {
      const role = k.slice(ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === ROLE_LABEL && v) {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

function nodeStatus(node: Node): string {
  const parts: string[] = [];
  // Only the last Ready condition counts, as a map keyed by type would keep it.
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready').pop();
  if (ready) parts.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  else parts.push('Unknown');
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function firstAddress(node: Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address || '<none>';
}

export const nodeTable: TableConvertor = {
  columns,
  cells(obj: KObject, now: Date) {
    const node = obj as unknown as Node;
    const info = node.status?.nodeInfo;
    const roles = nodeRoles(obj.metadata.labels).join(',');
    return [
      obj.metadata.name ?? '',
      nodeStatus(node),
      roles || '<none>',
      ageOf(obj.metadata.creationTimestamp, now),
      info?.kubeletVersion ?? '',
      firstAddress(node, 'InternalIP'),
      firstAddress(node, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ];
  },
};
