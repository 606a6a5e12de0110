// apps/v1 ControllerRevision: an immutable snapshot of a controller's state (DaemonSets and
// StatefulSets keep their history in them; `kubectl rollout history ds/x` reads them). Stored and
// served as plain objects; `data` may hold any object and never changes once written.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, TableConvertor, ValidationContext } from '../types.js';
import { semanticEqual, validateNonNegative } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { ageOf } from '../tables/age.js';
import { ageColumn, column, nameColumn } from '../tables/common.js';

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  if (obj.data === undefined || obj.data === null) errs.push(fieldError.required('data', 'data is mandatory'));
  errs.push(...validateNonNegative(obj.revision, 'revision'));
  if (ctx.old && !semanticEqual(obj.data, ctx.old.data)) errs.push(fieldError.invalid('data', 'data', 'field is immutable'));
  return errs;
}

interface OwnerRef { apiVersion?: string; kind?: string; name?: string; controller?: boolean }

/** `daemonset.apps/web`, as kubectl names the controlling owner; `<none>` without one. */
function controllerOf(obj: KObject): string {
  const owner = (obj.metadata.ownerReferences as OwnerRef[] | undefined)?.find((o) => o.controller);
  if (!owner) return '<none>';
  const group = (owner.apiVersion ?? '').includes('/') ? owner.apiVersion!.split('/')[0] : '';
  return `${(owner.kind ?? '').toLowerCase()}${group ? `.${group}` : ''}/${owner.name ?? ''}`;
}

export const controllerRevisionTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'integer', 'Revision indicates the revision of the state represented by Data.'),
    ageColumn(),
  ],
  cells(obj: KObject, now: Date) {
    return [obj.metadata.name ?? '', controllerOf(obj), typeof obj.revision === 'number' ? obj.revision : 0, ageOf(obj.metadata.creationTimestamp, now)];
  },
};

/** Field table entries (registry/fields). */
export const controllerRevisionTypes = { ControllerRevision: 'apiVersion kind metadata:ObjectMeta data:any revision:int64' };

export const controllerRevision: ResourceDescriptor = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  listKind: 'ControllerRevisionList',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  generation: false,
  validate,
  table: controllerRevisionTable,
};
