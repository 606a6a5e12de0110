// metrics.k8s.io/v1beta1 as discovery and OpenAPI describe it: NodeMetrics and PodMetrics, get and
// list only. These descriptors are never registered for storage (registry/index.ts does not know
// them): nothing is stored, every answer is gathered from the kubelets (handler.ts). They exist so
// the discovery and OpenAPI builders list the group like any other.
import type { ResourceDescriptor } from '../../registry/types.js';
import { METRICS_GROUP, METRICS_VERSION } from '../../metrics/resource-metrics.js';

const common = { group: METRICS_GROUP, version: METRICS_VERSION, verbs: ['get', 'list'], generation: false } as const;

export const metricsDescriptors: readonly ResourceDescriptor[] = [
  { ...common, verbs: [...common.verbs], kind: 'NodeMetrics', listKind: 'NodeMetricsList', plural: 'nodes', singular: '', namespaced: false },
  { ...common, verbs: [...common.verbs], kind: 'PodMetrics', listKind: 'PodMetricsList', plural: 'pods', singular: '', namespaced: true },
];
