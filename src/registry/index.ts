// Every kind the API server serves, with fast lookups by resource and by kind.
import type { ResourceDescriptor } from './types.js';
import { tables } from './tables/index.js';
import { configMap } from './kinds/configmap.js';
import { controllerRevision } from './kinds/controllerrevision.js';
import { podTemplate } from './kinds/podtemplate.js';
import { persistentVolume } from './kinds/persistentvolume.js';
import { persistentVolumeClaim } from './kinds/persistentvolumeclaim.js';
import { statefulSet } from './kinds/statefulset.js';
import { storageClass } from './kinds/storageclass.js';
import { daemonSet } from './kinds/daemonset.js';
import { deployment } from './kinds/deployment.js';
import { endpoints, endpointSlice } from './kinds/endpoints.js';
import { coreEvent, eventsV1Event } from './kinds/event.js';
import { horizontalPodAutoscalerV2 } from './kinds/hpa.js';
import { horizontalPodAutoscalerV1 } from './kinds/hpa-v1.js';
import { job } from './kinds/job.js';
import { cronJob } from './kinds/cronjob.js';
import { podDisruptionBudget } from './kinds/poddisruptionbudget.js';
import { lease } from './kinds/lease.js';
import { namespace } from './kinds/namespace.js';
import { networkPolicy } from './kinds/networkpolicy.js';
import { node } from './kinds/node.js';
import { pod } from './kinds/pod.js';
import { clusterRole, clusterRoleBinding, role, roleBinding } from './kinds/rbac.js';
import { replicaSet } from './kinds/replicaset.js';
import { secret } from './kinds/secret.js';
import { service } from './kinds/service.js';
import { serviceAccount } from './kinds/serviceaccount.js';
import { mutatingWebhookConfiguration, validatingWebhookConfiguration } from './kinds/webhook-configuration.js';
import { certificateSigningRequest } from './kinds/csr.js';
import { customResourceDefinition } from './kinds/crd.js';
import { localSubjectAccessReview, selfSubjectAccessReview, selfSubjectReview, selfSubjectRulesReview, subjectAccessReview } from './kinds/reviews.js';
import { tokenReview } from './kinds/reviews.js';
import { resourceQuota } from './kinds/resourcequota.js';
import { limitRange } from './kinds/limitrange.js';
import { ingress } from './kinds/ingress.js';
import { ingressClass } from './kinds/ingressclass.js';
import { replicationController } from './kinds/replicationcontroller.js';
import { priorityClass } from './kinds/priorityclass.js';
import { runtimeClass } from './kinds/runtimeclass.js';
import { validatingAdmissionPolicy, validatingAdmissionPolicyBinding } from './kinds/admission-policy.js';

/** The key the table module uses: `Kind` for core/v1, `Kind.group` otherwise. */
export const tableKey = (d: Pick<ResourceDescriptor, 'group' | 'kind'>) => (d.group ? `${d.kind}.${d.group}` : d.kind);

function withTable(d: ResourceDescriptor): ResourceDescriptor {
  const table = tables[tableKey(d)];
  return table ? { ...d, table } : d;
}

export const descriptors: ResourceDescriptor[] = [
  namespace,
  node,
  pod,
  service,
  endpoints,
  configMap,
  secret,
  serviceAccount,
  coreEvent,
  eventsV1Event,
  deployment,
  replicaSet,
  daemonSet,
  job,
  horizontalPodAutoscalerV2,
  horizontalPodAutoscalerV1,
  lease,
  endpointSlice,
  networkPolicy,
  role,
  clusterRole,
  roleBinding,
  clusterRoleBinding,
  selfSubjectAccessReview,
  selfSubjectRulesReview,
  subjectAccessReview,
  localSubjectAccessReview,
  selfSubjectReview,
  tokenReview,
  podTemplate,
  controllerRevision,
  validatingWebhookConfiguration,
  mutatingWebhookConfiguration,
  certificateSigningRequest,
  customResourceDefinition,
  persistentVolume,
  persistentVolumeClaim,
  storageClass,
  statefulSet,
  cronJob,
  podDisruptionBudget,
  resourceQuota,
  limitRange,
  ingress,
  ingressClass,
  replicationController,
  priorityClass,
  runtimeClass,
  validatingAdmissionPolicy,
  validatingAdmissionPolicyBinding,
].map(withTable);

const gv = (group: string, version: string) => `${group}/${version}`;
const byResource = new Map<string, ResourceDescriptor>();
const byKind = new Map<string, ResourceDescriptor>();
for (const d of descriptors) {
  byResource.set(`${gv(d.group, d.version)}/${d.plural}`, d);
  byKind.set(`${gv(d.group, d.version)}/${d.kind}`, d);
}

/** `group` is '' for the core group; `plural` is the lower-case resource name, e.g. 'pods'. */
export function findByResource(group: string, version: string, plural: string): ResourceDescriptor | undefined {
  return byResource.get(`${gv(group, version)}/${plural}`);
}

export function findByKind(group: string, version: string, kind: string): ResourceDescriptor | undefined {
  return byKind.get(`${gv(group, version)}/${kind}`);
}

/** The three lookups bundled, as the API server's ResourceContext takes them. */
export const registry = { descriptors, findByResource, findByKind } as const;
