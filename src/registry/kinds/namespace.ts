// core/v1 Namespace.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { asArray, asObject, isObject } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { isQualifiedName, nameIsDNSLabel } from '../validation/names.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
const PHASES = ['Active', 'Terminating'];

function defaults(obj: KObject): void {
  // The name label is always the name: selectors on namespaces rely on it.
  if (obj.metadata.name) obj.metadata.labels = { ...(obj.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: obj.metadata.name };
  const spec = isObject(obj.spec) ? obj.spec : (obj.spec = {} as Record<string, unknown>);
  if (spec.finalizers === undefined) spec.finalizers = ['kubernetes'];
  const status = isObject(obj.status) ? obj.status : (obj.status = {} as Record<string, unknown>);
  status.phase ??= 'Active';
}

// Every namespace is created with the `kubernetes` finalizer, and only the finalize subresource may
// change the list: otherwise a namespace could go before its contents.
function prepareForCreate(obj: KObject): void {
  obj.spec = { ...asObject(obj.spec), finalizers: ['kubernetes'] };
}

function prepareForUpdate(obj: KObject, old: KObject): void {
  const finalizers = asObject(old.spec).finalizers;
  obj.spec = { ...asObject(obj.spec), ...(finalizers === undefined ? {} : { finalizers }) };
  if (finalizers === undefined) delete (obj.spec as Record<string, unknown>).finalizers;
}

function validateFinalizerNames(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  asArray<string>(list).forEach((f, i) => {
    for (const msg of isQualifiedName(f)) errs.push(fieldError.invalid(`${path}[${i}]`, f, msg));
    if (!f.includes('/') && f !== 'kubernetes') {
      errs.push(fieldError.invalid(`${path}[${i}]`, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return errs;
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: false, nameFn: nameIsDNSLabel }, ctx.old);
  errs.push(...validateFinalizerNames(asObject(obj.spec).finalizers, 'spec.finalizers'));
  return errs;
}

function validateStatus(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: false, nameFn: nameIsDNSLabel }, ctx.old);
  const phase = asObject(obj.status).phase;
  if (phase !== undefined && !PHASES.includes(phase as string)) errs.push(fieldError.notSupported('status.phase', phase, PHASES));
  if (ctx.old && !obj.metadata.deletionTimestamp && phase !== 'Active' && phase !== undefined) {
    errs.push(fieldError.invalid('status.phase', phase, 'may only be \'Active\' if `deletionTimestamp` is empty'));
  }
  return errs;
}

export const namespace: ResourceDescriptor = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  plural: 'namespaces',
  singular: 'namespace',
  shortNames: ['ns'],
  namespaced: false,
  subresources: { status: true, other: [{ name: 'finalize', group: '', version: 'v1', kind: 'Namespace', verbs: ['update'] }] },
  deletion: {
    protectedNames: ['default', 'kube-system', 'kube-public'],
    specFinalizers: (obj) => asArray<string>(asObject(obj.spec).finalizers),
    onDeletionStarted: (obj) => {
      obj.status = { ...asObject(obj.status), phase: 'Terminating' };
    },
    returnsObject: true,
  },
  generation: false,
  selectableFields: (obj) => ({ 'status.phase': String(asObject(obj.status).phase ?? '') }),
  prepareForCreate,
  prepareForUpdate,
  defaults,
  validate,
  validateStatus,
};
