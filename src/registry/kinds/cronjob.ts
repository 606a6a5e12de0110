// batch/v1 CronJob: a Job template run on a cron schedule (controllers/workloads/cronjob/).
import type { CronJobSpec, JobSpec } from 'kubernetes-types/batch/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { asObject, isObject, validateNonNegative } from '../validation/common.js';
import { goLabelSelector } from '../validation/selector.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { validatePodTemplateSpec } from '../validation/podspec.js';
import { CronSyntaxError, isKnownTimeZone, parseSchedule } from './cron-schedule.js';
import { defaultPodSpec } from './pod-defaults.js';
import type { TypeSpecs } from '../fields/types.js';
import { top } from '../fields/meta.js';

export const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];

/** Job names are `<cronjob>-<minutes>` (11 more characters) and must stay DNS labels of 63. */
const maxNameLength = 52;

const specOf = (obj: KObject) => asObject(obj.spec) as unknown as CronJobSpec;

function defaults(obj: KObject): void {
  if (!isObject(obj.spec)) obj.spec = {};
  const spec = obj.spec as CronJobSpec;
  spec.concurrencyPolicy ??= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const template = (asObject(asObject(spec.jobTemplate).spec) as unknown as JobSpec).template as PodTemplateSpec | undefined;
  if (isObject(template)) defaultPodSpec(template.spec as PodTemplateSpec["spec"]);
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const name = obj.metadata.name;
  if (!ctx.old && typeof name === 'string' && name.length > maxNameLength) errs.push(fieldError.invalid('metadata.name', name, `must be no more than ${maxNameLength} characters`));
  const spec = specOf(obj);
  const old = ctx.old ? specOf(ctx.old) : undefined;
  errs.push(...validateSchedule(spec, old));
  errs.push(...validateNonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  if (!old || old.timeZone !== spec.timeZone) errs.push(...validateTimeZone(spec.timeZone));
  if (spec.concurrencyPolicy === undefined || (spec.concurrencyPolicy as string) === '') errs.push(fieldError.required('spec.concurrencyPolicy'));
  else if (!CONCURRENCY_POLICIES.includes(spec.concurrencyPolicy)) errs.push(fieldError.notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, CONCURRENCY_POLICIES));
  errs.push(...validateJobTemplate(spec));
  errs.push(...validateNonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...validateNonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  return errs;
}

function validateSchedule(spec: CronJobSpec, old: CronJobSpec | undefined): FieldError[] {
  const schedule = spec.schedule;
  if (typeof schedule !== 'string' || schedule === '') return [fieldError.required('spec.schedule')];
  const errs: FieldError[] = [];
  try {
    parseSchedule(schedule);
  } catch (err) {
    if (!(err instanceof CronSyntaxError)) throw err;
    // A TZ= prefix is refused below, with the reason that matters.
    if (!/^(CRON_)?TZ=/.test(schedule)) errs.push(fieldError.invalid('spec.schedule', schedule, err.message));
  }
  // An object stored with TZ= in its schedule may keep it, but not together with spec.timeZone.
  const grandfathered = typeof old?.schedule === 'string' && old.schedule.includes('TZ');
  if (grandfathered && schedule.includes('TZ') && spec.timeZone !== undefined) {
    errs.push(fieldError.invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!grandfathered && schedule.includes('TZ')) {
    errs.push(fieldError.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

/** IANA names only: the characters the tz database allows, not `Local`, and known to Node's tz data. */
function validateTimeZone(zone: unknown): FieldError[] {
  if (zone === undefined || zone === null) return [];
  if (typeof zone !== 'string') return [fieldError.invalid('spec.timeZone', zone, 'must be a string')];
  if (zone === '') return [fieldError.invalid('spec.timeZone', zone, 'timeZone must be nil or non-empty string')];
  for (const part of zone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z.\-_0-9+]{1,14}$/.test(part)) {
      return [fieldError.invalid('spec.timeZone', zone, `unknown time zone ${zone}`)];
    }
  }
  if (zone.toLowerCase() === 'local') return [fieldError.invalid('spec.timeZone', zone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  if (!isKnownTimeZone(zone)) return [fieldError.invalid('spec.timeZone', zone, `unknown time zone ${zone}`)];
  return [];
}

function validateJobTemplate(spec: CronJobSpec): FieldError[] {
  const at = 'spec.jobTemplate.spec';
  const job = asObject(asObject(spec.jobTemplate).spec) as unknown as JobSpec;
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished'] as const) {
    errs.push(...validateNonNegative(job[f], `${at}.${f}`));
  }
  if (job.selector !== undefined) errs.push(fieldError.invalidGo(`${at}.selector`, goLabelSelector(job.selector), '`selector` will be auto-generated'));
  if (job.manualSelector === true) errs.push(fieldError.notSupported(`${at}.manualSelector`, true, ['nil', 'false']));
  const template = job.template;
  if (!template) {
    errs.push(fieldError.required(`${at}.template`));
    return errs;
  }
  errs.push(...validatePodTemplateSpec(template, `${at}.template`));
  const policy = template.spec?.restartPolicy;
  if (policy !== 'OnFailure' && policy !== 'Never') {
    errs.push(fieldError.notSupported(`${at}.template.spec.restartPolicy`, policy ?? '', ['OnFailure', 'Never']));
  }
  return errs;
}

function validateStatus(obj: KObject, ctx: ValidationContext): FieldError[] {
  return validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
}

export const cronJob: ResourceDescriptor = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  listKind: 'CronJobList',
  plural: 'cronjobs',
  singular: 'cronjob',
  shortNames: ['cj'],
  categories: ['all'],
  namespaced: true,
  subresources: { status: true },
  generation: true,
  defaults,
  validate,
  validateStatus,
};

/** Field tables (registry/fields) for CronJob; Job's own types come from fields/batch.ts. */
export const cronJobTypes: TypeSpecs = {
  CronJob: `${top} spec:CronJobSpec status:CronJobStatus`,
  CronJobSpec:
    'schedule timeZone startingDeadlineSeconds:int64 concurrencyPolicy suspend:bool jobTemplate:JobTemplateSpec ' +
    'successfulJobsHistoryLimit:int failedJobsHistoryLimit:int',
  JobTemplateSpec: 'metadata:ObjectMeta spec:JobSpec',
  CronJobStatus: 'active:[ObjectReference] lastScheduleTime:time lastSuccessfulTime:time',
};
