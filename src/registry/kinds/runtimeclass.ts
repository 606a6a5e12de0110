// node.k8s.io/v1 RuntimeClass (cluster-scoped): a named container runtime handler a pod may ask
// for (spec.runtimeClassName), with its fixed pod overhead and scheduling constraints. Stored and
// checked here; the handler is fixed once made.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, TableConvertor, ValidationContext } from '../types.js';
import { asObject, IMMUTABLE, isObject } from '../validation/common.js';
import { validateLabels, validateMeta } from '../validation/meta.js';
import { isDNS1123Label, nameIsDNSSubdomain } from '../validation/names.js';
import { ageOf } from '../tables/age.js';
import { ageColumn, column, nameColumn } from '../tables/common.js';
import { validateResourceList } from './resourcequota.js';

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: false, nameFn: nameIsDNSSubdomain }, ctx.old);
  const handler = typeof obj.handler === 'string' ? obj.handler : '';
  if (!handler) errs.push(fieldError.required('handler'));
  else for (const m of isDNS1123Label(handler)) errs.push(fieldError.invalid('handler', handler, m));
  if (isObject(obj.overhead)) errs.push(...validateResourceList(asObject(obj.overhead).podFixed, 'overhead.podFixed'));
  if (isObject(obj.scheduling)) errs.push(...validateLabels(asObject(obj.scheduling).nodeSelector, 'scheduling.nodeSelector'));
  if (ctx.old && ctx.old.handler !== obj.handler) errs.push(fieldError.invalid('handler', obj.handler, IMMUTABLE));
  return errs;
}

/** `kubectl get runtimeclass`: Name, Handler, Age. */
export const runtimeClassTable: TableConvertor = {
  columns: [nameColumn(), column('Handler', 'string', 'handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.'), ageColumn()],
  cells(obj: KObject, now: Date) {
    return [obj.metadata.name ?? '', String(obj.handler ?? ''), ageOf(obj.metadata.creationTimestamp, now)];
  },
};

/** Field table entries (registry/fields). */
export const runtimeClassTypes = {
  RuntimeClass: 'apiVersion kind metadata:ObjectMeta handler overhead:RuntimeClassOverhead scheduling:RuntimeClassScheduling',
  RuntimeClassOverhead: 'podFixed:{quantity}',
  RuntimeClassScheduling: 'nodeSelector:{string} tolerations:[Toleration]',
};

export const runtimeClass: ResourceDescriptor = {
  group: 'node.k8s.io',
  version: 'v1',
  kind: 'RuntimeClass',
  listKind: 'RuntimeClassList',
  plural: 'runtimeclasses',
  singular: 'runtimeclass',
  namespaced: false,
  generation: false,
  validate,
  table: runtimeClassTable,
};
