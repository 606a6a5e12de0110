// batch/v1 Job.
import type { JobSpec } from 'kubernetes-types/batch/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { asObject, IMMUTABLE, isObject, semanticEqual, validateNonNegative } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { defaultTemplate, specOf, validateSelectorAndTemplate, validateSelectorImmutable, validateStatusCounters } from './workload.js';

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
const LEGACY_JOB_NAME_LABEL = 'job-name';

const COMPLETION_MODES = ['NonIndexed', 'Indexed'];
const REPLACEMENT_POLICIES = ['TerminatingOrFailed', 'Failed'];

/**
 * Unless the user manages the selector, the Job owns its Pods by its uid: the server sets the uid
 * before defaults run, so the selector and template labels can be generated here.
 */
function generateSelector(obj: KObject, spec: JobSpec): void {
  if (spec.manualSelector === true) return;
  const uid = obj.metadata.uid;
  if (!uid) return;
  const template = (spec.template ??= {} as PodTemplateSpec);
  template.metadata ??= {};
  const labels = (template.metadata.labels ??= {});
  labels[CONTROLLER_UID_LABEL] ??= uid;
  labels[LEGACY_CONTROLLER_UID_LABEL] ??= uid;
  if (obj.metadata.name) {
    labels[JOB_NAME_LABEL] ??= obj.metadata.name;
    labels[LEGACY_JOB_NAME_LABEL] ??= obj.metadata.name;
  }
  spec.selector ??= { matchLabels: { [CONTROLLER_UID_LABEL]: uid } };
}

function defaults(obj: KObject): void {
  if (!isObject(obj.spec)) obj.spec = {};
  const spec = obj.spec as JobSpec;
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  // batch/v1 copies template labels onto an unlabelled Job.
  const templateLabels = spec.template?.metadata?.labels;
  if (templateLabels && Object.keys(obj.metadata.labels ?? {}).length === 0) obj.metadata.labels = { ...templateLabels };
  generateSelector(obj, spec);
  defaultTemplate(obj);
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const spec = specOf<JobSpec>(obj);
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes'] as const) {
    errs.push(...validateNonNegative(spec[f], `spec.${f}`));
  }
  if (spec.completionMode !== undefined && !COMPLETION_MODES.includes(spec.completionMode)) {
    errs.push(fieldError.notSupported('spec.completionMode', spec.completionMode, COMPLETION_MODES));
  }
  if (spec.completionMode === 'Indexed' && spec.completions === undefined) {
    errs.push(fieldError.required('spec.completions', 'when completion mode is Indexed'));
  }
  if (spec.podReplacementPolicy !== undefined && !REPLACEMENT_POLICIES.includes(spec.podReplacementPolicy)) {
    errs.push(fieldError.notSupported('spec.podReplacementPolicy', spec.podReplacementPolicy, REPLACEMENT_POLICIES));
  }
  errs.push(...validateSelectorAndTemplate(obj, { what: 'job', restartPolicies: ['OnFailure', 'Never'] }));
  const uid = obj.metadata.uid;
  if (!ctx.old && spec.manualSelector !== true && uid && spec.selector && spec.selector.matchLabels?.[CONTROLLER_UID_LABEL] !== uid) {
    errs.push(fieldError.invalid('spec.selector', spec.selector, '`selector` not auto-generated'));
  }
  if (ctx.old) errs.push(...validateJobUpdate(obj, ctx.old));
  return errs;
}

function validateJobUpdate(obj: KObject, old: KObject): FieldError[] {
  const errs = validateSelectorImmutable(obj, old);
  const next = specOf<JobSpec>(obj);
  const prev = specOf<JobSpec>(old);
  if (next.completionMode !== prev.completionMode) errs.push(fieldError.invalid('spec.completionMode', next.completionMode ?? null, IMMUTABLE));
  if (next.completions !== prev.completions && !(next.completionMode === 'Indexed' && next.completions === next.parallelism)) {
    errs.push(fieldError.invalid('spec.completions', next.completions ?? null, IMMUTABLE));
  }
  // The template may change only while the Job is suspended and has never started.
  const suspendedNeverStarted = prev.suspend === true && !asObject(old.status).startTime;
  if (!suspendedNeverStarted && !semanticEqual(next.template, prev.template)) {
    errs.push(fieldError.invalidGo('spec.template', 'core.PodTemplateSpec{...}', IMMUTABLE));
  }
  return errs;
}

function validateStatus(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  errs.push(...validateStatusCounters(obj, ['active', 'succeeded', 'failed', 'ready', 'terminating']));
  return errs;
}

export const job: ResourceDescriptor = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  listKind: 'JobList',
  plural: 'jobs',
  singular: 'job',
  categories: ['all'],
  namespaced: true,
  subresources: { status: true },
  generation: true,
  selectableFields: (obj) => ({ 'status.successful': String(asObject(obj.status).succeeded ?? 0) }),
  defaults,
  validate,
  validateStatus,
};
