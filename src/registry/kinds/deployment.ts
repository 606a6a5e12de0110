// apps/v1 Deployment.
import type { DeploymentSpec } from 'kubernetes-types/apps/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { isObject, validateNonNegative } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { validateIntOrPercent, isZeroIntOrPercent } from '../validation/intstr.js';
import {
  defaultTemplate, specOf, validateCountersWithinReplicas, validateReplicas, validateSelectorAndTemplate, validateSelectorImmutable, validateStatusCounters,
} from './workload.js';

const STRATEGIES = ['Recreate', 'RollingUpdate'];

function defaults(obj: KObject): void {
  if (!isObject(obj.spec)) obj.spec = {};
  const spec = obj.spec as DeploymentSpec;
  spec.replicas ??= 1;
  spec.strategy ??= {};
  spec.strategy.type ??= 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    spec.strategy.rollingUpdate.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultTemplate(obj);
}

function validateStrategy(spec: DeploymentSpec): FieldError[] {
  const errs: FieldError[] = [];
  const strategy = spec.strategy ?? {};
  const type = strategy.type;
  if (type === 'Recreate') {
    if (strategy.rollingUpdate) errs.push(fieldError.forbidden('spec.strategy.rollingUpdate', 'may not be specified when strategy `type` is \'Recreate\''));
  } else if (type === 'RollingUpdate') {
    const ru = strategy.rollingUpdate;
    if (!ru) errs.push(fieldError.required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
    else {
      errs.push(...validateIntOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable', { maxPercent: 100 }));
      errs.push(...validateIntOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge'));
      if (isZeroIntOrPercent(ru.maxUnavailable) && isZeroIntOrPercent(ru.maxSurge)) {
        errs.push(fieldError.invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
      }
    }
  } else if (type === undefined || type === '') {
    errs.push(fieldError.required('spec.strategy.type'));
  } else {
    errs.push(fieldError.notSupported('spec.strategy.type', type, STRATEGIES));
  }
  return errs;
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const spec = specOf<DeploymentSpec>(obj);
  errs.push(...validateReplicas(obj));
  errs.push(...validateSelectorAndTemplate(obj, { what: 'deployment', restartPolicies: ['Always'], noDeadlineIn: 'ReplicaSet' }));
  errs.push(...validateStrategy(spec));
  errs.push(...validateNonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateNonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  if (spec.progressDeadlineSeconds !== undefined) {
    errs.push(...validateNonNegative(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(fieldError.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  errs.push(...validateSelectorImmutable(obj, ctx.old));
  return errs;
}

function validateStatus(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  errs.push(...validateStatusCounters(obj, ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'observedGeneration', 'collisionCount']));
  errs.push(...validateCountersWithinReplicas(obj, ['updatedReplicas', 'readyReplicas', 'availableReplicas']));
  return errs;
}

export const deployment: ResourceDescriptor = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  listKind: 'DeploymentList',
  plural: 'deployments',
  singular: 'deployment',
  shortNames: ['deploy'],
  categories: ['all'],
  namespaced: true,
  subresources: {
    status: true,
    scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  },
  generation: true,
  defaults,
  validate,
  validateStatus,
};
