// core/v1 PersistentVolume (cluster-scoped): a piece of storage, made by an administrator or by a
// provisioner (the built-in local-path one makes hostPath volumes pinned to a node). The volume
// controller binds it to a claim through spec.claimRef and moves status.phase along.
import type { PersistentVolume, PersistentVolumeSpec } from 'kubernetes-types/core/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, TableConvertor, ValidationContext } from '../types.js';
import { asObject, IMMUTABLE, isObject, semanticEqual } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { ageOf } from '../tables/age.js';
import { ageColumn, column, nameColumn } from '../tables/common.js';
import { accessModesShort, validateAccessModes, validateStorageQuantity, VOLUME_MODES } from './claim-spec.js';

const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const PHASES = ['Available', 'Bound', 'Failed', 'Pending', 'Released'];
/** The spec fields that are volume sources; exactly one must be set. */
const SOURCES = [
  'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'csi', 'fc', 'flexVolume', 'flocker', 'gcePersistentDisk',
  'glusterfs', 'hostPath', 'iscsi', 'local', 'nfs', 'photonPersistentDisk', 'portworxVolume', 'quobyte', 'rbd', 'scaleIO',
  'storageos', 'vsphereVolume',
];

const specOf = (obj: KObject) => asObject(obj.spec) as PersistentVolumeSpec;

function defaults(obj: KObject): void {
  if (!isObject(obj.spec)) obj.spec = {};
  const spec = obj.spec as PersistentVolumeSpec;
  spec.persistentVolumeReclaimPolicy ??= 'Retain';
  spec.volumeMode ??= 'Filesystem';
  if (!isObject(obj.status)) obj.status = {};
  (obj.status as Record<string, unknown>).phase ??= 'Pending';
}

function validateSpec(spec: PersistentVolumeSpec): FieldError[] {
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes');
  const capacity = (spec.capacity ?? {}) as Record<string, unknown>;
  if (Object.keys(capacity).length === 0) errs.push(fieldError.required('spec.capacity'));
  for (const [k, v] of Object.entries(capacity)) {
    if (k !== 'storage') errs.push(fieldError.notSupported(`spec.capacity[${k}]`, k, ['storage']));
    else errs.push(...validateStorageQuantity(v, 'spec.capacity[storage]'));
  }
  const policy = spec.persistentVolumeReclaimPolicy;
  if (policy !== undefined && !RECLAIM_POLICIES.includes(policy)) errs.push(fieldError.notSupported('spec.persistentVolumeReclaimPolicy', policy, RECLAIM_POLICIES));
  if (spec.volumeMode !== undefined && !VOLUME_MODES.includes(spec.volumeMode)) errs.push(fieldError.notSupported('spec.volumeMode', spec.volumeMode, VOLUME_MODES));
  const given = SOURCES.filter((s) => (spec as Record<string, unknown>)[s] !== undefined && (spec as Record<string, unknown>)[s] !== null);
  if (given.length === 0) errs.push(fieldError.required('spec', 'must specify a volume type'));
  for (const extra of given.slice(1)) errs.push(fieldError.forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  if (spec.hostPath) {
    if (!spec.hostPath.path) errs.push(fieldError.required('spec.hostPath.path'));
    if (policy === 'Recycle' && spec.hostPath.path === '/') errs.push(fieldError.forbidden('spec.persistentVolumeReclaimPolicy', 'may not be \'recycle\' for a hostPath mount of \'/\''));
  }
  if (spec.local) {
    if (!spec.local.path) errs.push(fieldError.required('spec.local.path'));
    if (!spec.nodeAffinity) errs.push(fieldError.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  if (spec.nodeAffinity && !spec.nodeAffinity.required) errs.push(fieldError.required('spec.nodeAffinity.required', 'must have at least one node selector term'));
  return errs;
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: false, nameFn: nameIsDNSSubdomain }, ctx.old);
  errs.push(...validateSpec(specOf(obj)));
  if (ctx.old) {
    const [next, prev] = [specOf(obj), specOf(ctx.old)];
    for (const s of SOURCES) {
      const [a, b] = [(next as Record<string, unknown>)[s], (prev as Record<string, unknown>)[s]];
      if (b !== undefined && !semanticEqual(a, b)) errs.push(fieldError.forbidden(`spec.persistentvolumesource`, 'spec.persistentvolumesource is immutable after creation'));
    }
    if (prev.volumeMode !== next.volumeMode) errs.push(fieldError.invalid('spec.volumeMode', next.volumeMode, IMMUTABLE));
    if (prev.nodeAffinity && !semanticEqual(prev.nodeAffinity, next.nodeAffinity)) errs.push(fieldError.invalid('spec.nodeAffinity', 'nodeAffinity', IMMUTABLE));
  }
  return errs;
}

function validateStatus(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: false, nameFn: nameIsDNSSubdomain }, ctx.old);
  const phase = asObject(obj.status).phase as string | undefined;
  if (phase && !PHASES.includes(phase)) errs.push(fieldError.notSupported('status.phase', phase, PHASES));
  return errs;
}

/** The volume's class: the beta annotation wins, as upstream still reads it. */
export function volumeClassOf(obj: KObject): string {
  return obj.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? specOf(obj).storageClassName ?? '';
}

/** `kubectl get pv`: upstream's columns (VolumeMode only with -o wide). */
export const persistentVolumeTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Capacity', 'string', 'capacity is the description of the persistent volume\'s resources and capacity.'),
    column('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
    column('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    column('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    column('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    column('StorageClass', 'string', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    column('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    ageColumn(),
    column('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', { wide: true }),
  ],
  cells(obj: KObject, now: Date) {
    const pv = obj as unknown as PersistentVolume;
    const ref = pv.spec?.claimRef;
    return [
      obj.metadata.name ?? '',
      String(pv.spec?.capacity?.storage ?? ''),
      accessModesShort(pv.spec?.accessModes),
      pv.spec?.persistentVolumeReclaimPolicy ?? '',
      obj.metadata.deletionTimestamp ? 'Terminating' : pv.status?.phase ?? '',
      ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '',
      volumeClassOf(obj),
      pv.spec?.volumeAttributesClassName ?? '<unset>',
      pv.status?.reason ?? '',
      ageOf(obj.metadata.creationTimestamp, now),
      pv.spec?.volumeMode ?? '<unset>',
    ];
  },
};

/** Field table entries (registry/fields); rarely used cloud sources are accepted as they come. */
export const persistentVolumeTypes = {
  PersistentVolume: 'apiVersion kind metadata:ObjectMeta spec:PersistentVolumeSpec status:PersistentVolumeStatus',
  PersistentVolumeSpec:
    'capacity:{quantity} accessModes:[string] claimRef:ObjectReference persistentVolumeReclaimPolicy storageClassName ' +
    'mountOptions:[string] volumeMode nodeAffinity:VolumeNodeAffinity volumeAttributesClassName ' +
    'hostPath:HostPathVolumeSource local:LocalVolumeSource nfs:NFSVolumeSource csi:any awsElasticBlockStore:any azureDisk:any ' +
    'azureFile:any cephfs:any cinder:any fc:any flexVolume:any flocker:any gcePersistentDisk:any glusterfs:any iscsi:any ' +
    'photonPersistentDisk:any portworxVolume:any quobyte:any rbd:any scaleIO:any storageos:any vsphereVolume:any',
  LocalVolumeSource: 'path fsType',
  VolumeNodeAffinity: 'required:NodeSelector',
  PersistentVolumeStatus: 'phase message reason lastPhaseTransitionTime:time',
};

export const persistentVolume: ResourceDescriptor = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  listKind: 'PersistentVolumeList',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  shortNames: ['pv'],
  namespaced: false,
  subresources: { status: true },
  generation: false,
  defaults,
  validate,
  validateStatus,
  table: persistentVolumeTable,
};

/** On a Node: the absolute directory the built-in local-path provisioner puts that node's volumes in
 *  (the kubelet announces it; the provisioner reads it). */
export const LOCAL_STORAGE_DIR_ANNOTATION = 'k3ts.io/local-storage-dir';
