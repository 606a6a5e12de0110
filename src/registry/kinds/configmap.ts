// core/v1 ConfigMap.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { asObject, semanticEqual } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { isConfigMapKey, nameIsDNSSubdomain } from '../validation/names.js';

export const MAX_CONFIG_SIZE = 1024 * 1024;

const IMMUTABLE_SET = 'field is immutable when `immutable` is set';

/** `data` immutability shared with Secret: once immutable, stays immutable with the same contents. */
export function validateImmutableData(obj: KObject, old: KObject | undefined, fields: string[]): FieldError[] {
  if (!old || old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj.immutable !== true) errs.push(fieldError.forbidden('immutable', IMMUTABLE_SET));
  for (const f of fields) if (!semanticEqual(obj[f], old[f])) errs.push(fieldError.forbidden(f, IMMUTABLE_SET));
  return errs;
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const data = asObject(obj.data);
  const binary = asObject(obj.binaryData);
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const msg of isConfigMapKey(key)) errs.push(fieldError.invalid(`data[${key}]`, key, msg));
    if (key in binary) errs.push(fieldError.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    if (typeof value !== 'string') errs.push(fieldError.typeInvalid(`data[${key}]`, value, 'must be a string'));
    else total += Buffer.byteLength(value);
  }
  for (const [key, value] of Object.entries(binary)) {
    for (const msg of isConfigMapKey(key)) errs.push(fieldError.invalid(`binaryData[${key}]`, key, msg));
    if (typeof value === 'string') total += Buffer.from(value, 'base64').length;
  }
  if (total > MAX_CONFIG_SIZE) errs.push(fieldError.tooLong('', MAX_CONFIG_SIZE));
  errs.push(...validateImmutableData(obj, ctx.old, ['data', 'binaryData']));
  return errs;
}

export const configMap: ResourceDescriptor = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  plural: 'configmaps',
  singular: 'configmap',
  shortNames: ['cm'],
  namespaced: true,
  generation: false,
  validate,
};
