// apps/v1 ReplicaSet.
import type { ReplicaSetSpec } from 'kubernetes-types/apps/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { asObject, isObject, validateNonNegative } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import {
  defaultTemplate, specOf, validateCountersWithinReplicas, validateReplicas, validateSelectorAndTemplate, validateSelectorImmutable, validateStatusCounters,
} from './workload.js';

function defaults(obj: KObject): void {
  if (!isObject(obj.spec)) obj.spec = {};
  (obj.spec as ReplicaSetSpec).replicas ??= 1;
  defaultTemplate(obj);
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  errs.push(...validateReplicas(obj));
  errs.push(...validateNonNegative(specOf(obj).minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateSelectorAndTemplate(obj, { what: 'deployment', restartPolicies: ['Always'], noDeadlineIn: 'ReplicaSet' }));
  errs.push(...validateSelectorImmutable(obj, ctx.old));
  return errs;
}

function validateStatus(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  errs.push(...validateStatusCounters(obj, ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']));
  errs.push(...validateCountersWithinReplicas(obj, ['fullyLabeledReplicas', 'readyReplicas']));
  const st = asObject(obj.status);
  if (typeof st.availableReplicas === 'number' && typeof st.readyReplicas === 'number' && st.availableReplicas > st.readyReplicas) {
    errs.push(fieldError.invalid('status.availableReplicas', st.availableReplicas, 'cannot be greater than readyReplicas'));
  }
  return errs;
}

export const replicaSet: ResourceDescriptor = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  listKind: 'ReplicaSetList',
  plural: 'replicasets',
  singular: 'replicaset',
  shortNames: ['rs'],
  categories: ['all'],
  namespaced: true,
  subresources: {
    status: true,
    scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  },
  generation: true,
  selectableFields: (obj) => ({ 'status.replicas': String(asObject(obj.status).replicas ?? 0) }),
  defaults,
  validate,
  validateStatus,
};
