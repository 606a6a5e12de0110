// policy/v1 PodDisruptionBudget: how many of the pods a selector picks must stay up through
// voluntary disruptions. The disruption controller keeps its status; pods/eviction honours it.
import type { PodDisruptionBudgetSpec } from 'kubernetes-types/policy/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { TypeSpecs } from '../fields/types.js';
import { top } from '../fields/meta.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { asObject, isObject, validateNonNegative } from '../validation/common.js';
import { validateIntOrPercent } from '../validation/intstr.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { validateLabelSelector } from '../validation/selector.js';

// Sorted, as upstream lists them in its message.
export const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

function defaults(obj: KObject): void {
  if (!isObject(obj.spec)) obj.spec = {};
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const spec = asObject(obj.spec) as PodDisruptionBudgetSpec;
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(fieldError.invalidGo('spec', 'policy.PodDisruptionBudgetSpec{...}', 'minAvailable and maxUnavailable cannot be both set'));
  }
  errs.push(...validateIntOrPercent(spec.minAvailable, 'spec.minAvailable', { maxPercent: 100 }));
  errs.push(...validateIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable', { maxPercent: 100 }));
  if (spec.selector) errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && !UNHEALTHY_POD_EVICTION_POLICIES.includes(policy)) {
    errs.push(fieldError.notSupported('spec.unhealthyPodEvictionPolicy', policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
  return errs;
}

function validateStatus(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const status = asObject(obj.status);
  for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) errs.push(...validateNonNegative(status[f], `status.${f}`));
  return errs;
}

export const podDisruptionBudget: ResourceDescriptor = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  listKind: 'PodDisruptionBudgetList',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  shortNames: ['pdb'],
  namespaced: true,
  subresources: { status: true },
  generation: true,
  defaults,
  validate,
  validateStatus,
};

export const podDisruptionBudgetTypes: TypeSpecs = {
  PodDisruptionBudget: `${top} spec:PodDisruptionBudgetSpec status:PodDisruptionBudgetStatus`,
  PodDisruptionBudgetSpec: 'minAvailable:intOrString selector:LabelSelector maxUnavailable:intOrString unhealthyPodEvictionPolicy',
  PodDisruptionBudgetStatus:
    'observedGeneration:int64 disruptedPods:{time} disruptionsAllowed:int currentHealthy:int desiredHealthy:int expectedPods:int conditions:[Condition]',
};
