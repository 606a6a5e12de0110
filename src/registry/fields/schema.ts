// The merged field tables and which type each served kind starts at. Nothing is parsed until a
// type is first asked for, and then only that type.
import { appsTypes } from './apps.js';
import { batchTypes } from './batch.js';
import { corePodTypes } from './core-pod.js';
import { hpaTypes } from './hpa.js';
import { coreTypes } from './core.js';
import { metaTypes } from './meta.js';
import { autoscalingTypes, coordinationTypes, discoveryTypes, eventsTypes, networkingTypes, policyTypes, rbacTypes, reviewTypes } from './small-groups.js';
import { parseFields, type Fields, type TypeSpecs } from './types.js';
import { controllerRevisionTypes } from '../kinds/controllerrevision.js';
import { podTemplateTypes } from '../kinds/podtemplate.js';
import { webhookConfigurationTypes } from '../kinds/webhook-configuration.js';
import { admissionPolicyTypes } from '../kinds/admission-policy.js';
import { csrTypes } from '../kinds/csr.js';
import { customResourceDefinitionTypes } from '../kinds/crd.js';
import { persistentVolumeTypes } from '../kinds/persistentvolume.js';
import { persistentVolumeClaimTypes } from '../kinds/persistentvolumeclaim.js';
import { statefulSetTypes } from '../kinds/statefulset.js';
import { storageClassTypes } from '../kinds/storageclass.js';
import { cronJobTypes } from '../kinds/cronjob.js';
import { podDisruptionBudgetTypes } from '../kinds/poddisruptionbudget.js';
import { resourceQuotaTypes } from '../kinds/resourcequota.js';
import { limitRangeTypes } from '../kinds/limitrange.js';
import { ingressTypes } from '../kinds/ingress.js';
import { ingressClassTypes } from '../kinds/ingressclass.js';
import { replicationControllerTypes } from '../kinds/replicationcontroller.js';
import { priorityClassTypes } from '../kinds/priorityclass.js';
import { runtimeClassTypes } from '../kinds/runtimeclass.js';

/** `group/Kind` ('' group for core) → the table entry of its top-level object. */
const roots: Readonly<Record<string, string>> = {
  '/Namespace': 'Namespace',
  '/Node': 'Node',
  '/Pod': 'Pod',
  '/Service': 'Service',
  '/Endpoints': 'Endpoints',
  '/ConfigMap': 'ConfigMap',
  '/Secret': 'Secret',
  '/ServiceAccount': 'ServiceAccount',
  '/Event': 'Event',
  'apps/Deployment': 'Deployment',
  'apps/ReplicaSet': 'ReplicaSet',
  'apps/DaemonSet': 'DaemonSet',
  'batch/Job': 'Job',
  'batch/CronJob': 'CronJob',
  'policy/PodDisruptionBudget': 'PodDisruptionBudget',
  'coordination.k8s.io/Lease': 'Lease',
  'discovery.k8s.io/EndpointSlice': 'EndpointSlice',
  'networking.k8s.io/NetworkPolicy': 'NetworkPolicy',
  'events.k8s.io/Event': 'EventsEvent',
  // `group/version/Kind` where two served versions of one kind differ in shape.
  'autoscaling/v2/HorizontalPodAutoscaler': 'HorizontalPodAutoscaler',
  'autoscaling/v1/HorizontalPodAutoscaler': 'HorizontalPodAutoscalerV1',
  'rbac.authorization.k8s.io/Role': 'Role',
  'rbac.authorization.k8s.io/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/ClusterRoleBinding': 'ClusterRoleBinding',
  'authorization.k8s.io/SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  'authorization.k8s.io/SubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/LocalSubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/SelfSubjectRulesReview': 'SelfSubjectRulesReview',
  'authentication.k8s.io/SelfSubjectReview': 'SelfSubjectReview',
  'authentication.k8s.io/TokenReview': 'TokenReview',
  '/PodTemplate': 'PodTemplate',
  'apps/ControllerRevision': 'ControllerRevision',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': 'ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': 'MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy': 'ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding': 'ValidatingAdmissionPolicyBinding',
  'certificates.k8s.io/CertificateSigningRequest': 'CertificateSigningRequest',
  'apiextensions.k8s.io/CustomResourceDefinition': 'CustomResourceDefinition',
  '/PersistentVolume': 'PersistentVolume',
  '/PersistentVolumeClaim': 'PersistentVolumeClaim',
  'storage.k8s.io/StorageClass': 'StorageClass',
  'apps/StatefulSet': 'StatefulSet',
  '/ResourceQuota': 'ResourceQuota',
  '/LimitRange': 'LimitRange',
  'networking.k8s.io/Ingress': 'Ingress',
  'networking.k8s.io/IngressClass': 'IngressClass',
  '/ReplicationController': 'ReplicationController',
  'scheduling.k8s.io/PriorityClass': 'PriorityClass',
  'node.k8s.io/RuntimeClass': 'RuntimeClass',
  // Bodies of subresources and options, which are not stored kinds.
  'autoscaling/Scale': 'Scale',
  'policy/Eviction': 'Eviction',
  'meta.k8s.io/DeleteOptions': 'DeleteOptions',
};

let specs: Map<string, string> | undefined;
const parsed = new Map<string, Fields>();

/** Every table entry by type name; each group file must use names no other file uses. */
export function allSpecs(): ReadonlyMap<string, string> {
  if (specs) return specs;
  const merged = new Map<string, string>();
  const groups: TypeSpecs[] = [metaTypes, corePodTypes, coreTypes, appsTypes, batchTypes, coordinationTypes, discoveryTypes, eventsTypes, networkingTypes, rbacTypes, reviewTypes, autoscalingTypes, policyTypes, hpaTypes, podTemplateTypes, controllerRevisionTypes, webhookConfigurationTypes, customResourceDefinitionTypes, persistentVolumeTypes, persistentVolumeClaimTypes, storageClassTypes, statefulSetTypes, cronJobTypes, podDisruptionBudgetTypes];
  groups.push(csrTypes);
  groups.push(resourceQuotaTypes);
  groups.push(limitRangeTypes);
  groups.push(ingressTypes, ingressClassTypes);
  groups.push(replicationControllerTypes);
  groups.push(priorityClassTypes, runtimeClassTypes);
  groups.push(admissionPolicyTypes);
  for (const group of groups) {
    for (const [name, spec] of Object.entries(group)) {
      if (merged.has(name)) throw new Error(`field tables: type ${name} is defined twice`);
      merged.set(name, spec);
    }
  }
  return (specs = merged);
}

export function fieldsOf(typeName: string): Fields | undefined {
  let fields = parsed.get(typeName);
  if (fields) return fields;
  const spec = allSpecs().get(typeName);
  if (spec === undefined) return undefined;
  fields = parseFields(spec);
  parsed.set(typeName, fields);
  return fields;
}

/** The type name of a kind's top-level object, or undefined when the kind has no table. A
 *  version-specific entry wins over one for every version. */
export function rootType(group: string, kind: string, version?: string): string | undefined {
  for (const key of [version === undefined ? undefined : `${group}/${version}/${kind}`, `${group}/${kind}`]) {
    if (key !== undefined && Object.hasOwn(roots, key)) return roots[key];
  }
  return undefined;
}

export function rootKinds(): Array<{ group: string; kind: string; version?: string; type: string }> {
  return Object.entries(roots).map(([key, type]) => {
    const parts = key.split('/');
    const kind = parts.pop()!;
    return parts.length === 2 ? { group: parts[0]!, version: parts[1]!, kind, type } : { group: parts[0]!, kind, type };
  });
}
