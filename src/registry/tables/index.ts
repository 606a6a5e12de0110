// Server-side Table convertors by kind: `Kind` for core/v1, `Kind.group` otherwise.
import type { TableConvertor } from '../types.js';
import { configMapTable } from './configmap.js';
import { daemonSetTable } from './daemonset.js';
import { defaultTable } from './default.js';
import { deploymentTable } from './deployment.js';
import { endpointsTable } from './endpoints.js';
import { endpointSliceTable } from './endpointslice.js';
import { eventTable, eventsV1Table } from './event.js';
import { hpaTable } from './hpa.js';
import { jobTable } from './job.js';
import { cronJobTable } from './cronjob.js';
import { podDisruptionBudgetTable } from './poddisruptionbudget.js';
import { leaseTable } from './lease.js';
import { namespaceTable } from './namespace.js';
import { networkPolicyTable } from './networkpolicy.js';
import { nodeTable } from './node.js';
import { podTable } from './pod.js';
import { clusterRoleBindingTable, roleBindingTable, roleTable } from './rbac.js';
import { replicaSetTable } from './replicaset.js';
import { secretTable } from './secret.js';
import { serviceTable } from './service.js';
import { serviceAccountTable } from './serviceaccount.js';

export const tables: Record<string, TableConvertor> = {
  Pod: podTable,
  Node: nodeTable,
  Service: serviceTable,
  Endpoints: endpointsTable,
  Namespace: namespaceTable,
  ConfigMap: configMapTable,
  Secret: secretTable,
  ServiceAccount: serviceAccountTable,
  Event: eventTable,
  'Deployment.apps': deploymentTable,
  'ReplicaSet.apps': replicaSetTable,
  'DaemonSet.apps': daemonSetTable,
  'Job.batch': jobTable,
  'CronJob.batch': cronJobTable,
  'PodDisruptionBudget.policy': podDisruptionBudgetTable,
  'HorizontalPodAutoscaler.autoscaling': hpaTable,
  'EndpointSlice.discovery.k8s.io': endpointSliceTable,
  'Event.events.k8s.io': eventsV1Table,
  'Lease.coordination.k8s.io': leaseTable,
  'NetworkPolicy.networking.k8s.io': networkPolicyTable,
  'Role.rbac.authorization.k8s.io': roleTable,
  'ClusterRole.rbac.authorization.k8s.io': roleTable,
  'RoleBinding.rbac.authorization.k8s.io': roleBindingTable,
  'ClusterRoleBinding.rbac.authorization.k8s.io': clusterRoleBindingTable,
};

export { defaultTable };
