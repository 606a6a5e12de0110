// core/v1 PersistentVolumeClaim: a request for storage, bound to one PersistentVolume by the volume
// controller (controllers/volumes). Its spec is fixed once created, except that the binder may set
// volumeName once and a class may be filled in where none was given; a bound claim may ask for more.
import type { PersistentVolumeClaim, PersistentVolumeClaimSpec } from 'kubernetes-types/core/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, TableConvertor, ValidationContext } from '../types.js';
import { asObject, deepClone, isObject, semanticEqual } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { ageOf } from '../tables/age.js';
import { ageColumn, column, nameColumn } from '../tables/common.js';
import { accessModesShort, defaultClaimSpec, storageOf, validateClaimSpec } from './claim-spec.js';

const specOf = (obj: KObject) => asObject(obj.spec) as PersistentVolumeClaimSpec;
const phaseOf = (obj: KObject) => (asObject(obj.status).phase as string | undefined) ?? '';

function defaults(obj: KObject): void {
  if (!isObject(obj.spec)) obj.spec = {};
  defaultClaimSpec(obj.spec as PersistentVolumeClaimSpec);
  if (!isObject(obj.status)) obj.status = {};
  (obj.status as Record<string, unknown>).phase ??= 'Pending';
}

const IMMUTABLE_SPEC = 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';

function validateUpdate(obj: KObject, old: KObject): FieldError[] {
  const next = deepClone(specOf(obj));
  const prev = deepClone(specOf(old));
  // The binder writes volumeName once; a missing class may be filled in (the default class, later).
  if (!prev.volumeName) prev.volumeName = next.volumeName;
  if (prev.storageClassName === undefined || prev.storageClassName === null) prev.storageClassName = next.storageClassName;
  const bound = phaseOf(old) === 'Bound';
  if (bound) {
    next.resources = { ...(next.resources ?? {}), requests: { ...(next.resources?.requests ?? {}), storage: prev.resources?.requests?.storage as string } };
    prev.volumeAttributesClassName = next.volumeAttributesClassName;
  }
  const errs: FieldError[] = [];
  if (!semanticEqual(next, prev)) errs.push(fieldError.forbidden('spec', IMMUTABLE_SPEC));
  if (bound) {
    // Shrinking is allowed only back towards what the volume has (to recover from a failed expansion).
    const want = storageOf(specOf(obj).resources?.requests as Record<string, unknown>);
    const before = storageOf(specOf(old).resources?.requests as Record<string, unknown>);
    const capacity = storageOf(asObject(asObject(old.status).capacity));
    if (want !== undefined && before !== undefined && want < before && capacity !== undefined && want <= capacity) {
      errs.push(fieldError.forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
    }
  }
  return errs;
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  errs.push(...validateClaimSpec(specOf(obj), 'spec'));
  if (ctx.old) errs.push(...validateUpdate(obj, ctx.old));
  return errs;
}

function validateStatus(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const phase = phaseOf(obj);
  if (phase && !['Pending', 'Bound', 'Lost'].includes(phase)) errs.push(fieldError.notSupported('status.phase', phase, ['Bound', 'Lost', 'Pending']));
  return errs;
}

/** `kubectl get pvc`: upstream's columns (VolumeMode only with -o wide). */
export const persistentVolumeClaimTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
    column('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    column('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
    column('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    column('StorageClass', 'string', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    ageColumn(),
    column('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.', { wide: true }),
  ],
  cells(obj: KObject, now: Date) {
    const pvc = obj as unknown as PersistentVolumeClaim;
    const bound = !!pvc.spec?.volumeName;
    return [
      obj.metadata.name ?? '',
      obj.metadata.deletionTimestamp ? 'Terminating' : phaseOf(obj),
      pvc.spec?.volumeName ?? '',
      bound ? String(pvc.status?.capacity?.storage ?? '') : '',
      bound ? accessModesShort(pvc.status?.accessModes) : '',
      claimClassOf(obj),
      pvc.spec?.volumeAttributesClassName ?? '<unset>',
      ageOf(obj.metadata.creationTimestamp, now),
      pvc.spec?.volumeMode ?? '<unset>',
    ];
  },
};

/** The claim's class: the beta annotation wins, as upstream still reads it. */
export function claimClassOf(obj: KObject): string {
  return obj.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? specOf(obj).storageClassName ?? '';
}

/** Field table entries (registry/fields); the spec is the one the pod's ephemeral volumes share. */
export const persistentVolumeClaimTypes = {
  PersistentVolumeClaim: 'apiVersion kind metadata:ObjectMeta spec:PersistentVolumeClaimSpec status:PersistentVolumeClaimStatus',
  PersistentVolumeClaimStatus:
    'phase accessModes:[string] capacity:{quantity} conditions:[PersistentVolumeClaimCondition] allocatedResources:{quantity} ' +
    'allocatedResourceStatuses:{string} currentVolumeAttributesClassName modifyVolumeStatus:any',
  PersistentVolumeClaimCondition: 'type status lastProbeTime:time lastTransitionTime:time reason message',
};

export const persistentVolumeClaim: ResourceDescriptor = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  listKind: 'PersistentVolumeClaimList',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  shortNames: ['pvc'],
  namespaced: true,
  subresources: { status: true },
  generation: false,
  defaults,
  validate,
  validateStatus,
  table: persistentVolumeClaimTable,
};
