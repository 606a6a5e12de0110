// core/v1 ReplicationController: the ReplicaSet's predecessor, with a plain label map as selector.
// The ReplicaSet controller keeps them too (controllers/workloads/replicationcontroller.ts). Unlike a
// ReplicaSet's, its selector may change.
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, TableConvertor, ValidationContext } from '../types.js';
import { asObject, isObject, validateNonNegative } from '../validation/common.js';
import { validateLabels, validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { ageOf } from '../tables/age.js';
import { ageColumn, column, containerCells, formatLabels, int, nameColumn, templateColumns } from '../tables/common.js';
import { defaultTemplate, specOf, validateCountersWithinReplicas, validateSelectorAndTemplate, validateStatusCounters } from './workload.js';

interface RcSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: Record<string, string>;
  template?: PodTemplateSpec;
}

/** Upstream's defaults: the selector, and the controller's own labels, come from the template's labels. */
function defaults(obj: KObject): void {
  if (!isObject(obj.spec)) obj.spec = {};
  const spec = obj.spec as RcSpec;
  spec.replicas ??= 1;
  const labels = spec.template?.metadata?.labels;
  if (labels && Object.keys(labels).length > 0) {
    if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    if (!obj.metadata.labels || Object.keys(obj.metadata.labels).length === 0) obj.metadata.labels = { ...labels };
  }
  defaultTemplate(obj);
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const spec = specOf<RcSpec>(obj);
  errs.push(...validateNonNegative(spec.replicas, 'spec.replicas'), ...validateNonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  const selector = spec.selector ?? {};
  if (Object.keys(selector).length === 0) errs.push(fieldError.required('spec.selector'));
  else errs.push(...validateLabels(selector, 'spec.selector'));
  // The shared checks read a LabelSelector: a map is its matchLabels.
  const view: KObject = { ...obj, spec: { ...spec, selector: Object.keys(selector).length > 0 ? { matchLabels: selector } : undefined } };
  errs.push(...validateSelectorAndTemplate(view, { what: 'replicationcontroller', restartPolicies: ['Always'], noDeadlineIn: 'ReplicationController' }).filter((e) => !e.field.startsWith('spec.selector')));
  return errs;
}

function validateStatus(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  errs.push(...validateStatusCounters(obj, ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']));
  errs.push(...validateCountersWithinReplicas(obj, ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']));
  return errs;
}

/** `kubectl get rc`: Desired, Current, Ready, then the template's containers, images and selector (wide). */
export const replicationControllerTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    column('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
    ageColumn(),
    ...templateColumns('Selector is a label query over pods that should match the Replicas count.'),
  ],
  cells(obj: KObject, now: Date) {
    const spec = specOf<RcSpec>(obj);
    const status = asObject(obj.status);
    const selector = spec.selector ?? {};
    return [
      obj.metadata.name ?? '',
      int(spec.replicas),
      int(status.replicas),
      int(status.readyReplicas),
      ageOf(obj.metadata.creationTimestamp, now),
      ...containerCells(spec.template?.spec?.containers),
      Object.keys(selector).length ? formatLabels(selector) : '',
    ];
  },
};

/** Field table entries (registry/fields). */
export const replicationControllerTypes = {
  ReplicationController: 'apiVersion kind metadata:ObjectMeta spec:ReplicationControllerSpec status:ReplicationControllerStatus',
  ReplicationControllerSpec: 'replicas:int minReadySeconds:int selector:{string} template:PodTemplateSpec',
  ReplicationControllerStatus: 'replicas:int fullyLabeledReplicas:int readyReplicas:int availableReplicas:int observedGeneration:int conditions:[ReplicationControllerCondition]',
  ReplicationControllerCondition: 'type status lastTransitionTime:time reason message',
};

export const replicationController: ResourceDescriptor = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  listKind: 'ReplicationControllerList',
  plural: 'replicationcontrollers',
  singular: 'replicationcontroller',
  shortNames: ['rc'],
  categories: ['all'],
  namespaced: true,
  subresources: {
    status: true,
    scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas' },
  },
  generation: true,
  defaults,
  validate,
  validateStatus,
  table: replicationControllerTable,
};
