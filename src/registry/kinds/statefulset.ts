// apps/v1 StatefulSet: pods with stable names and their own claims (controllers/workloads/statefulset).
// After creation only replicas, ordinals, template, updateStrategy, the claim retention policy,
// minReadySeconds and revisionHistoryLimit may change, as upstream.
import type { StatefulSetSpec, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaimSpec, PodSpec } from 'kubernetes-types/core/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, TableConvertor, ValidationContext } from '../types.js';
import { asObject, isObject, semanticEqual, validateNonNegative } from '../validation/common.js';
import { validateMeta, validateObjectMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { ageOf } from '../tables/age.js';
import { ageColumn, column, containerCells, nameColumn } from '../tables/common.js';
import { defaultClaimSpec, validateClaimSpec } from './claim-spec.js';
import { defaultTemplate, specOf, validateCountersWithinReplicas, validateReplicas, validateSelectorAndTemplate, validateSelectorImmutable, validateStatusCounters } from './workload.js';

const RETENTION = ['Retain', 'Delete'];

function defaults(obj: KObject): void {
  if (!isObject(obj.spec)) obj.spec = {};
  const spec = obj.spec as StatefulSetSpec;
  spec.replicas ??= 1;
  spec.podManagementPolicy ??= 'OrderedReady';
  spec.updateStrategy ??= {};
  spec.updateStrategy.type ??= 'RollingUpdate';
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {};
    spec.updateStrategy.rollingUpdate.partition ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  spec.persistentVolumeClaimRetentionPolicy ??= {};
  spec.persistentVolumeClaimRetentionPolicy.whenDeleted ??= 'Retain';
  spec.persistentVolumeClaimRetentionPolicy.whenScaled ??= 'Retain';
  for (const t of (spec.volumeClaimTemplates ?? []) as unknown[]) {
    if (!isObject(t)) continue;
    if (!isObject(t.spec)) t.spec = {};
    defaultClaimSpec(t.spec as PersistentVolumeClaimSpec);
    if (!isObject(t.status)) t.status = {};
    (t.status as Record<string, unknown>).phase ??= 'Pending';
  }
  defaultTemplate(obj);
}

function validateSpec(obj: KObject): FieldError[] {
  const spec = specOf<StatefulSetSpec>(obj);
  const errs: FieldError[] = [];
  const policy = spec.podManagementPolicy;
  if (policy === undefined) errs.push(fieldError.required('spec.podManagementPolicy', ''));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') {
    errs.push(fieldError.invalid('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'"));
  }
  const strategy = spec.updateStrategy ?? {};
  if (strategy.type === 'OnDelete') {
    if (strategy.rollingUpdate) errs.push(fieldError.invalid('spec.updateStrategy.rollingUpdate', 'rollingUpdate', "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (strategy.type === 'RollingUpdate') {
    if (strategy.rollingUpdate) errs.push(...validateNonNegative(strategy.rollingUpdate.partition, 'spec.updateStrategy.rollingUpdate.partition'));
  } else if (strategy.type === undefined) {
    errs.push(fieldError.required('spec.updateStrategy', ''));
  } else {
    errs.push(fieldError.invalid('spec.updateStrategy', strategy.type, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (retention) {
    for (const k of ['whenDeleted', 'whenScaled'] as const) {
      const v = retention[k];
      if (v !== undefined && !RETENTION.includes(v)) errs.push(fieldError.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, v, RETENTION));
    }
  }
  if (spec.ordinals) errs.push(...validateNonNegative(spec.ordinals.start, 'spec.ordinals.start'));
  errs.push(...validateReplicas(obj));
  errs.push(...validateNonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateNonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  errs.push(...validateSelectorAndTemplate(withClaimVolumes(obj), { what: 'statefulset', restartPolicies: ['Always'], noDeadlineIn: 'StatefulSet' }));
  (spec.volumeClaimTemplates ?? []).forEach((t, i) => {
    const path = `spec.volumeClaimTemplates[${i}]`;
    errs.push(...validateObjectMeta(t.metadata as KObject['metadata'] | undefined, { namespaced: false, nameFn: nameIsDNSSubdomain }, `${path}.metadata`));
    errs.push(...validateClaimSpec(asObject(t.spec) as PersistentVolumeClaimSpec, `${path}.spec`));
  });
  return errs;
}

/** The object as its pods will be: each claim template is a volume the containers may mount. */
function withClaimVolumes(obj: KObject): KObject {
  const spec = specOf<StatefulSetSpec>(obj);
  const names = (spec.volumeClaimTemplates ?? []).map((t) => t?.metadata?.name).filter((n): n is string => typeof n === 'string' && n !== '');
  if (names.length === 0 || !isObject(spec.template) || !isObject(spec.template.spec)) return obj;
  const podSpec = spec.template.spec as unknown as PodSpec;
  const volumes = [...(podSpec.volumes ?? []).filter((v) => !names.includes(v.name)), ...names.map((name) => ({ name, persistentVolumeClaim: { claimName: name } }))];
  return { ...obj, spec: { ...spec, template: { ...spec.template, spec: { ...podSpec, volumes } } } };
}

/** The fields an update may change, as upstream's message names them. */
const MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'revisionHistoryLimit'];

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  errs.push(...validateSpec(obj));
  if (ctx.old) {
    const strip = (o: KObject) => Object.fromEntries(Object.entries(specOf(o)).filter(([k]) => !MUTABLE.includes(k)));
    if (!semanticEqual(strip(obj), strip(ctx.old))) {
      errs.push(fieldError.forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
    }
    errs.push(...validateSelectorImmutable(obj, ctx.old));
  }
  return errs;
}

function validateStatus(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  errs.push(...validateStatusCounters(obj, ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration', 'collisionCount']));
  errs.push(...validateCountersWithinReplicas(obj, ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']));
  return errs;
}

/** `kubectl get sts`: READY as ready/desired; Containers and Images with -o wide. */
export const statefulSetTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    ageColumn(),
    column('Containers', 'string', 'Names of each container in the template.', { wide: true }),
    column('Images', 'string', 'Images referenced by each container in the template.', { wide: true }),
  ],
  cells(obj: KObject, now: Date) {
    const spec = specOf<StatefulSetSpec>(obj);
    const status = asObject(obj.status) as Partial<StatefulSetStatus>;
    return [
      obj.metadata.name ?? '',
      `${status.readyReplicas ?? 0}/${spec.replicas ?? 0}`,
      ageOf(obj.metadata.creationTimestamp, now),
      ...containerCells(spec.template?.spec?.containers),
    ];
  },
};

/** Field table entries (registry/fields). */
export const statefulSetTypes = {
  StatefulSet: 'apiVersion kind metadata:ObjectMeta spec:StatefulSetSpec status:StatefulSetStatus',
  StatefulSetSpec:
    'replicas:int selector:LabelSelector template:PodTemplateSpec volumeClaimTemplates:[StatefulSetClaimTemplate] serviceName ' +
    'podManagementPolicy updateStrategy:StatefulSetUpdateStrategy revisionHistoryLimit:int minReadySeconds:int ' +
    'persistentVolumeClaimRetentionPolicy:StatefulSetPersistentVolumeClaimRetentionPolicy ordinals:StatefulSetOrdinals',
  StatefulSetClaimTemplate: 'apiVersion kind metadata:ObjectMeta spec:PersistentVolumeClaimSpec status:PersistentVolumeClaimStatus',
  StatefulSetUpdateStrategy: 'type rollingUpdate:RollingUpdateStatefulSetStrategy',
  RollingUpdateStatefulSetStrategy: 'partition:int maxUnavailable:intOrString',
  StatefulSetPersistentVolumeClaimRetentionPolicy: 'whenDeleted whenScaled',
  StatefulSetOrdinals: 'start:int',
  StatefulSetStatus:
    'observedGeneration:int64 replicas:int readyReplicas:int currentReplicas:int updatedReplicas:int currentRevision updateRevision ' +
    'collisionCount:int conditions:[StatefulSetCondition] availableReplicas:int',
  StatefulSetCondition: 'type status lastTransitionTime:time reason message',
};

export const statefulSet: ResourceDescriptor = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  listKind: 'StatefulSetList',
  plural: 'statefulsets',
  singular: 'statefulset',
  shortNames: ['sts'],
  categories: ['all'],
  namespaced: true,
  subresources: {
    status: true,
    scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  },
  generation: true,
  defaults,
  validate,
  validateStatus,
  table: statefulSetTable,
};
