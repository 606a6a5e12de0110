// core/v1 ServiceAccount.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { asArray } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { isDNS1123Subdomain, nameIsDNSSubdomain } from '../validation/names.js';

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  for (const field of ['secrets', 'imagePullSecrets']) {
    asArray<{ name?: string }>(obj[field]).forEach((ref, i) => {
      if (ref?.name) for (const msg of isDNS1123Subdomain(ref.name)) errs.push(fieldError.invalid(`${field}[${i}].name`, ref.name, msg));
    });
  }
  return errs;
}

export const serviceAccount: ResourceDescriptor = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  listKind: 'ServiceAccountList',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  shortNames: ['sa'],
  namespaced: true,
  generation: false,
  subresources: { other: [{ name: 'token', group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] }] },
  validate,
};
