// Nodes and pods for the scheduler's tests, shaped as the API returns them.
import type { Container, NodeSpec, PodSpec, Taint } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../registry/types.js';

export interface NodeShape {
  name: string;
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
}

export function makeNode(n: NodeShape): KObject {
  const spec: NodeSpec = {};
  if (n.taints) spec.taints = n.taints;
  if (n.unschedulable) spec.unschedulable = true;
  const allocatable = { cpu: n.cpu ?? '4', memory: n.memory ?? '8Gi', pods: String(n.pods ?? 110), 'ephemeral-storage': '100Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, ...(n.labels ?? {}) } },
    spec,
    status: {
      capacity: allocatable,
      allocatable,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    },
  };
}

export interface PodShape {
  name: string;
  namespace?: string;
  uid?: string;
  cpu?: string;
  memory?: string;
  owner?: string;
  spec?: Partial<PodSpec>;
  container?: Partial<Container>;
}

export function makePod(p: PodShape): KObject {
  const requests: Record<string, string> = {};
  if (p.cpu) requests.cpu = p.cpu;
  if (p.memory) requests.memory = p.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace ?? 'default',
      ...(p.uid ? { uid: p.uid } : {}),
      ...(p.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: p.owner, controller: true }] } : {}),
    },
    spec: {
      containers: [{ name: 'app', image: 'nginx:1.27', resources: Object.keys(requests).length ? { requests } : {}, ...(p.container ?? {}) }],
      ...(p.spec ?? {}),
    },
  };
}
