// The API resources the workload controllers read and write.
import type { ResourceType } from '../../client/types.js';

export const podsType: ResourceType = { group: '', version: 'v1', resource: 'pods' };
export const nodesType: ResourceType = { group: '', version: 'v1', resource: 'nodes' };
export const replicaSetsType: ResourceType = { group: 'apps', version: 'v1', resource: 'replicasets' };
export const deploymentsType: ResourceType = { group: 'apps', version: 'v1', resource: 'deployments' };
export const daemonSetsType: ResourceType = { group: 'apps', version: 'v1', resource: 'daemonsets' };
export const jobsType: ResourceType = { group: 'batch', version: 'v1', resource: 'jobs' };
