// storage.k8s.io/v1 StorageClass (cluster-scoped): how volumes of a class are made (provisioner,
// parameters), what happens when released (reclaimPolicy) and when a claim binds
// (volumeBindingMode). Only labels, annotations, mountOptions and allowVolumeExpansion change later.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, TableConvertor, ValidationContext } from '../types.js';
import { IMMUTABLE, semanticEqual } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { isQualifiedName, nameIsDNSSubdomain } from '../validation/names.js';
import { ageOf } from '../tables/age.js';
import { ageColumn, column, nameColumn } from '../tables/common.js';

const RECLAIM = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

export const isDefaultClass = (obj: KObject): boolean =>
  obj.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true' || obj.metadata.annotations?.[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';

function defaults(obj: KObject): void {
  obj.reclaimPolicy ??= 'Delete';
  obj.volumeBindingMode ??= 'Immediate';
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: false, nameFn: nameIsDNSSubdomain }, ctx.old);
  const provisioner = obj.provisioner;
  if (typeof provisioner !== 'string' || provisioner === '') errs.push(fieldError.required('provisioner'));
  else {
    if (provisioner.length > 63) errs.push(fieldError.tooLong('provisioner', 63));
    for (const msg of isQualifiedName(provisioner.toLowerCase())) errs.push(fieldError.invalid('provisioner', provisioner, msg));
  }
  if (obj.reclaimPolicy !== undefined && !RECLAIM.includes(obj.reclaimPolicy as string)) errs.push(fieldError.notSupported('reclaimPolicy', obj.reclaimPolicy, RECLAIM));
  if (obj.volumeBindingMode === undefined) errs.push(fieldError.required('volumeBindingMode'));
  else if (!BINDING_MODES.includes(obj.volumeBindingMode as string)) errs.push(fieldError.notSupported('volumeBindingMode', obj.volumeBindingMode, BINDING_MODES));
  const old = ctx.old;
  if (old) {
    if (!semanticEqual(obj.parameters ?? {}, old.parameters ?? {})) errs.push(fieldError.forbidden('parameters', 'updates to parameters are forbidden.'));
    if (obj.provisioner !== old.provisioner) errs.push(fieldError.forbidden('provisioner', 'updates to provisioner are forbidden.'));
    if (obj.reclaimPolicy !== old.reclaimPolicy) errs.push(fieldError.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
    if (obj.volumeBindingMode !== old.volumeBindingMode) errs.push(fieldError.invalid('volumeBindingMode', obj.volumeBindingMode, IMMUTABLE));
  }
  return errs;
}

/** `kubectl get sc`: the default class is marked after its name, as upstream does. */
export const storageClassTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
    column('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
    column('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
    column('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    ageColumn(),
  ],
  cells(obj: KObject, now: Date) {
    return [
      `${obj.metadata.name ?? ''}${isDefaultClass(obj) ? ' (default)' : ''}`,
      String(obj.provisioner ?? ''),
      String(obj.reclaimPolicy ?? ''),
      String(obj.volumeBindingMode ?? ''),
      String(obj.allowVolumeExpansion === true),
      ageOf(obj.metadata.creationTimestamp, now),
    ];
  },
};

/** Field table entries (registry/fields). */
export const storageClassTypes = {
  StorageClass:
    'apiVersion kind metadata:ObjectMeta provisioner parameters:{string} reclaimPolicy mountOptions:[string] ' +
    'allowVolumeExpansion:bool volumeBindingMode allowedTopologies:[TopologySelectorTerm]',
  TopologySelectorTerm: 'matchLabelExpressions:[TopologySelectorLabelRequirement]',
  TopologySelectorLabelRequirement: 'key values:[string]',
};

export const storageClass: ResourceDescriptor = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  listKind: 'StorageClassList',
  plural: 'storageclasses',
  singular: 'storageclass',
  shortNames: ['sc'],
  namespaced: false,
  generation: false,
  defaults,
  validate,
  table: storageClassTable,
};
