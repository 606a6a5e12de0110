// core/v1 Secret.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { asObject, isObject } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { isConfigMapKey, nameIsDNSSubdomain } from '../validation/names.js';
import { validateImmutableData } from './configmap.js';

export const MAX_SECRET_SIZE = 1024 * 1024;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Keys each built-in type must carry. */
const REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};
const JSON_KEYS: Record<string, string> = {
  'kubernetes.io/dockercfg': '.dockercfg',
  'kubernetes.io/dockerconfigjson': '.dockerconfigjson',
};

/** stringData is a write-only convenience: folded into data (base64), winning over data, then dropped. */
function defaults(obj: KObject): void {
  const stringData = obj.stringData;
  if (isObject(stringData)) {
    const data = isObject(obj.data) ? obj.data : (obj.data = {});
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  }
  delete obj.stringData;
  if (!obj.type) obj.type = 'Opaque';
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const data = asObject(obj.data);
  const type = typeof obj.type === 'string' ? obj.type : 'Opaque';
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const msg of isConfigMapKey(key)) errs.push(fieldError.invalid(`data[${key}]`, key, msg));
    if (typeof value !== 'string' || !BASE64.test(value)) {
      errs.push(fieldError.invalid(`data[${key}]`, '<secret contents redacted>', 'must be base64 encoded'));
      continue;
    }
    total += Buffer.from(value, 'base64').length;
  }
  if (total > MAX_SECRET_SIZE) errs.push(fieldError.tooLong('data', MAX_SECRET_SIZE));

  if (type === 'kubernetes.io/service-account-token') {
    if (!obj.metadata.annotations?.['kubernetes.io/service-account.name']) {
      errs.push(fieldError.required('metadata.annotations[kubernetes.io/service-account.name]'));
    }
  } else if (type === 'kubernetes.io/basic-auth') {
    if (!('username' in data) && !('password' in data)) {
      errs.push(fieldError.required('data[username]'));
      errs.push(fieldError.required('data[password]'));
    }
  }
  for (const key of REQUIRED_KEYS[type] ?? []) if (!(key in data)) errs.push(fieldError.required(`data[${key}]`));
  const jsonKey = JSON_KEYS[type];
  if (jsonKey && typeof data[jsonKey] === 'string') {
    try {
      JSON.parse(Buffer.from(data[jsonKey] as string, 'base64').toString('utf8'));
    } catch (err) {
      errs.push(fieldError.invalid(`data[${jsonKey}]`, '<secret contents redacted>', (err as Error).message));
    }
  }
  if (ctx.old) {
    const oldType = typeof ctx.old.type === 'string' ? ctx.old.type : 'Opaque';
    if (type !== oldType) errs.push(fieldError.invalid('type', type, 'field is immutable'));
    errs.push(...validateImmutableData(obj, ctx.old, ['data']));
  }
  return errs;
}

export const secret: ResourceDescriptor = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  listKind: 'SecretList',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
  generation: false,
  selectableFields: (obj) => ({ type: String(obj.type ?? '') }),
  defaults,
  validate,
};
