// coordination.k8s.io/v1 Lease.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { asObject } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';

const STRATEGIES = ['OldestEmulationVersion'];

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const spec = asObject(obj.spec);
  const duration = spec.leaseDurationSeconds;
  if (typeof duration === 'number' && duration <= 0) errs.push(fieldError.invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  const transitions = spec.leaseTransitions;
  if (typeof transitions === 'number' && transitions < 0) errs.push(fieldError.invalid('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'));
  if (spec.strategy !== undefined && !STRATEGIES.includes(String(spec.strategy))) {
    errs.push(fieldError.notSupported('spec.strategy', spec.strategy, STRATEGIES));
  }
  if (spec.preferredHolder && !spec.strategy) errs.push(fieldError.forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  return errs;
}

export const lease: ResourceDescriptor = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  listKind: 'LeaseList',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  generation: false,
  validate,
};
