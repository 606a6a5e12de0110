// Test data: a handful of descriptors shaped like the real registry's, so the discovery and
// OpenAPI tests do not depend on registry/index.ts (which other work changes).
import type { ResourceDescriptor } from '../../registry/types.js';


export const sampleDescriptors: ResourceDescriptor[] = [
  {
    group: 'apps', version: 'v1', kind: 'Deployment', listKind: 'DeploymentList', plural: 'deployments', singular: 'deployment',
    shortNames: ['deploy'], categories: ['all'], namespaced: true,
    subresources: { status: true, scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' } },
  },
  {
    group: '', version: 'v1', kind: 'Pod', listKind: 'PodList', plural: 'pods', singular: 'pod', shortNames: ['po'], categories: ['all'], namespaced: true,
    subresources: {
      status: true,
      other: [
        { name: 'binding', group: '', version: 'v1', kind: 'Binding', verbs: ['create'] },
        { name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
        { name: 'log', group: '', version: 'v1', kind: 'Pod', verbs: ['get'] },
        { name: 'exec', group: '', version: 'v1', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      ],
    },
  },
  { group: '', version: 'v1', kind: 'ConfigMap', listKind: 'ConfigMapList', plural: 'configmaps', singular: 'configmap', shortNames: ['cm'], namespaced: true },
  {
    group: '', version: 'v1', kind: 'Namespace', listKind: 'NamespaceList', plural: 'namespaces', singular: 'namespace', shortNames: ['ns'], namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], subresources: { status: true },
  },
  { group: 'batch', version: 'v1', kind: 'Job', listKind: 'JobList', plural: 'jobs', singular: 'job', categories: ['all'], namespaced: true, subresources: { status: true } },
  { group: 'events.k8s.io', version: 'v1', kind: 'Event', listKind: 'EventList', plural: 'events', singular: 'event', shortNames: ['ev'], namespaced: true },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', listKind: 'LeaseList', plural: 'leases', singular: 'lease', namespaced: true },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', listKind: 'EndpointSliceList', plural: 'endpointslices', singular: 'endpointslice', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'ReplicaSet', listKind: 'ReplicaSetList', plural: 'replicasets', singular: 'replicaset', shortNames: ['rs'], categories: ['all'], namespaced: true, subresources: { status: true, scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas' } } },
];
