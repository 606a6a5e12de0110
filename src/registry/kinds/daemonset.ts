// apps/v1 DaemonSet.
import type { DaemonSetSpec } from 'kubernetes-types/apps/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { isObject, validateNonNegative } from '../validation/common.js';
import { isZeroIntOrPercent, validateIntOrPercent } from '../validation/intstr.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { defaultTemplate, specOf, validateSelectorAndTemplate, validateSelectorImmutable, validateStatusCounters } from './workload.js';

const STRATEGIES = ['OnDelete', 'RollingUpdate'];

function defaults(obj: KObject): void {
  if (!isObject(obj.spec)) obj.spec = {};
  const spec = obj.spec as DaemonSetSpec;
  spec.updateStrategy ??= {};
  spec.updateStrategy.type ??= 'RollingUpdate';
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {};
    spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
    spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultTemplate(obj);
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const spec = specOf<DaemonSetSpec>(obj);
  errs.push(...validateSelectorAndTemplate(obj, { what: 'daemonset', restartPolicies: ['Always'], noDeadlineIn: 'DaemonSet' }));
  errs.push(...validateNonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateNonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  const strategy = spec.updateStrategy ?? {};
  if (!strategy.type) errs.push(fieldError.required('spec.updateStrategy.type'));
  else if (!STRATEGIES.includes(strategy.type)) errs.push(fieldError.notSupported('spec.updateStrategy.type', strategy.type, STRATEGIES));
  else if (strategy.type === 'RollingUpdate') {
    const ru = strategy.rollingUpdate ?? {};
    errs.push(...validateIntOrPercent(ru.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable', { maxPercent: 100 }));
    errs.push(...validateIntOrPercent(ru.maxSurge, 'spec.updateStrategy.rollingUpdate.maxSurge', { maxPercent: 100 }));
    if (isZeroIntOrPercent(ru.maxUnavailable) && isZeroIntOrPercent(ru.maxSurge ?? 0)) {
      errs.push(fieldError.invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
    }
  }
  errs.push(...validateSelectorImmutable(obj, ctx.old));
  return errs;
}

function validateStatus(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  errs.push(...validateStatusCounters(obj, [
    'currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady',
    'observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount',
  ]));
  return errs;
}

export const daemonSet: ResourceDescriptor = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  listKind: 'DaemonSetList',
  plural: 'daemonsets',
  singular: 'daemonset',
  shortNames: ['ds'],
  categories: ['all'],
  namespaced: true,
  subresources: { status: true },
  generation: true,
  defaults,
  validate,
  validateStatus,
};
