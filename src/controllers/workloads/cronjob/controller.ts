// CronJob: creates a Job from the template at each scheduled time, named `<cronjob>-<minutes since
// the epoch>` so a time is never run twice; keeps status.active, lastScheduleTime and
// lastSuccessfulTime; honours suspend, startingDeadlineSeconds and the concurrency policy (Allow,
// Forbid: skip while one runs, Replace: delete the running ones first); removes finished Jobs beyond
// the history limits. Events carry upstream's reasons. The queue is woken at the next scheduled time.
import type { CronJobSpec, CronJobStatus, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { createEventRecorder, type EventRecorder } from '../../../client/events.js';
import { getIfExists, hasReason, type Client, type ResourceType } from '../../../client/types.js';
import { CronSyntaxError, isKnownTimeZone, parseSchedule, type CronSchedule } from '../../../registry/kinds/cron-schedule.js';
import type { KObject } from '../../../registry/types.js';
import { runController, type ReconcileResult, type RunningController } from '../../runtime/run-controller.js';
import { controllerRefOf, controllerRefTo, ownerKeyOf } from '../controller-ref.js';
import { splitKey } from '../keys.js';
import { jobsType } from '../resources.js';
import { timestamp, writeStatus } from '../status-write.js';
import { mostRecentScheduleTime, rfc3339InZone, untilNextSchedule, type ScheduleInputs } from './schedule-times.js';

export const cronJobsType: ResourceType = { group: 'batch', version: 'v1', resource: 'cronjobs' };
export const scheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface CronJobControllerOptions {
  client: Client;
  now?: () => Date;
  /** The zone of schedules without spec.timeZone (upstream: the controller manager's own). */
  localZone?: string;
  onError?(key: string, err: unknown): void;
}

interface Context {
  client: Client;
  events: EventRecorder;
  now: () => Date;
  localZone: string;
}

export async function runCronJobController(o: CronJobControllerOptions, signal: AbortSignal): Promise<RunningController> {
  const ctx: Context = {
    client: o.client,
    events: createEventRecorder(o.client, { component: 'cronjob-controller' }),
    now: o.now ?? (() => new Date()),
    localZone: o.localZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
  };
  return runController(
    { name: 'cronjob', client: o.client, for: cronJobsType, watches: [{ type: jobsType, keyOf: ownerKeyOf('CronJob') }], reconcile: (key) => reconcileCronJob(ctx, key), onError: o.onError },
    signal,
  );
}

const conditionTrue = (job: KObject, type: string) => ((job.status as JobStatus | undefined)?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
const finishedAs = (job: KObject): 'Complete' | 'Failed' | undefined => (conditionTrue(job, 'Complete') ? 'Complete' : conditionTrue(job, 'Failed') ? 'Failed' : undefined);

function refTo(job: KObject): ObjectReference {
  return { kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion };
}

export async function reconcileCronJob(ctx: Context, key: string): Promise<ReconcileResult | void> {
  const { namespace, name } = splitKey(key);
  const cj = await getIfExists(ctx.client, cronJobsType, namespace, name);
  if (!cj) return;
  const spec = cj.spec as CronJobSpec;
  const status: CronJobStatus = structuredClone((cj.status ?? {}) as CronJobStatus);
  const now = ctx.now();
  const jobs = (await ctx.client.list(jobsType, { namespace })).items.filter((j) => controllerRefOf(j)?.uid === cj.metadata.uid);

  trackJobs(ctx, cj, status, jobs);
  const result = await schedule(ctx, cj, spec, status, jobs, now);
  await writeStatus(ctx.client, cronJobsType, cj, status);
  await removeOldJobs(ctx, cj, spec, jobs.filter((j) => !status.active?.some((a) => a.uid === j.metadata.uid)));
  return result;
}

/** Brings status.active and lastSuccessfulTime up to date with the Jobs that exist. */
function trackJobs(ctx: Context, cj: KObject, status: CronJobStatus, jobs: KObject[]): void {
  const active = status.active ?? [];
  for (const job of jobs) {
    const listed = active.some((a) => a.uid === job.metadata.uid);
    const outcome = finishedAs(job);
    if (!listed && !outcome) {
      ctx.events.warning(cj, 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata.name}`);
    } else if (listed && outcome) {
      status.active = (status.active ?? []).filter((a) => a.uid !== job.metadata.uid);
      ctx.events.normal(cj, 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${outcome}`);
    }
    const completed = (job.status as JobStatus | undefined)?.completionTime;
    if (outcome === 'Complete' && completed && (!status.lastSuccessfulTime || completed > status.lastSuccessfulTime)) status.lastSuccessfulTime = completed;
  }
  for (const ref of [...(status.active ?? [])]) {
    if (jobs.some((j) => j.metadata.uid === ref.uid)) continue;
    ctx.events.normal(cj, 'MissingJob', `Active job went missing: ${ref.name}`);
    status.active = (status.active ?? []).filter((a) => a.uid !== ref.uid);
  }
  if (status.active?.length === 0) delete status.active;
}

async function schedule(ctx: Context, cj: KObject, spec: CronJobSpec, status: CronJobStatus, jobs: KObject[], now: Date): Promise<ReconcileResult | void> {
  if (cj.metadata.deletionTimestamp) return;
  const zone = spec.timeZone ?? ctx.localZone;
  if (spec.timeZone !== undefined && !isKnownTimeZone(spec.timeZone)) {
    ctx.events.warning(cj, 'UnknownTimeZone', `invalid timeZone: "${spec.timeZone}": unknown time zone ${spec.timeZone}`);
    return;
  }
  if (spec.suspend === true) return;
  let parsed: CronSchedule;
  try {
    parsed = parseSchedule(spec.schedule);
  } catch (err) {
    if (!(err instanceof CronSyntaxError)) throw err;
    ctx.events.warning(cj, 'UnparseableSchedule', `unparseable schedule: "${spec.schedule}" : ${err.message}`);
    return;
  }
  const inputs: ScheduleInputs = {
    schedule: parsed, zone,
    lastScheduled: new Date(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? now.toISOString()),
    startingDeadlineSeconds: spec.startingDeadlineSeconds,
  };
  const later = (): ReconcileResult | void => {
    const ms = untilNextSchedule(inputs, now);
    return ms === undefined ? undefined : { requeueAfterMs: ms };
  };
  const recent = mostRecentScheduleTime(inputs, now, true);
  if (recent.missed === 'many') {
    ctx.events.warning(cj, 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
  }
  const scheduled = recent.mostRecent;
  if (!scheduled) return later();
  if (spec.startingDeadlineSeconds !== undefined && scheduled.getTime() + spec.startingDeadlineSeconds * 1000 < now.getTime()) {
    ctx.events.warning(cj, 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
    return later();
  }
  const jobName = `${cj.metadata.name}-${Math.floor(scheduled.getTime() / 60_000)}`;
  if (status.active?.some((a) => a.name === jobName) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === scheduled.getTime())) return later();
  const concurrency = spec.concurrencyPolicy ?? 'Allow';
  if (concurrency === 'Forbid' && (status.active?.length ?? 0) > 0) {
    ctx.events.normal(cj, 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
    return later();
  }
  if (concurrency === 'Replace') {
    for (const ref of [...(status.active ?? [])]) {
      const job = jobs.find((j) => j.metadata.uid === ref.uid);
      if (!job) continue;
      await deleteJob(ctx, cj, job);
      status.active = (status.active ?? []).filter((a) => a.uid !== ref.uid);
    }
    if (status.active?.length === 0) delete status.active;
  }

  let created: KObject;
  try {
    created = await ctx.client.create(jobsType, jobFromTemplate(cj, spec, jobName, scheduled, zone));
    ctx.events.normal(cj, 'SuccessfulCreate', `Created job ${created.metadata.name}`);
  } catch (err) {
    if (!hasReason(err, 'AlreadyExists')) {
      ctx.events.warning(cj, 'FailedCreate', `Error creating job: ${(err as Error).message}`);
      throw err;
    }
    // Created before (a restart between create and status write): adopt it if it is ours.
    const existing = await getIfExists(ctx.client, jobsType, cj.metadata.namespace, jobName);
    if (!existing || controllerRefOf(existing)?.uid !== cj.metadata.uid || status.active?.some((a) => a.uid === existing.metadata.uid)) return later();
    created = existing;
  }
  status.active = [...(status.active ?? []), refTo(created)];
  status.lastScheduleTime = timestamp(scheduled);
  return later();
}

function jobFromTemplate(cj: KObject, spec: CronJobSpec, name: string, scheduled: Date, zone: string): KObject {
  const template = spec.jobTemplate ?? {};
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cj.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      annotations: { ...(template.metadata?.annotations ?? {}), [scheduledTimestampAnnotation]: rfc3339InZone(scheduled, zone) },
      ownerReferences: [controllerRefTo(cj)],
    },
    spec: structuredClone(template.spec ?? {}) as unknown as Record<string, unknown>,
  };
}

async function deleteJob(ctx: Context, cj: KObject, job: KObject): Promise<void> {
  try {
    await ctx.client.delete(jobsType, job.metadata.namespace, job.metadata.name!, { propagationPolicy: 'Background' });
  } catch (err) {
    if (hasReason(err, 'NotFound')) return;
    ctx.events.warning(cj, 'FailedDelete', `Deleted job: ${(err as Error).message}`);
    throw err;
  }
  ctx.events.normal(cj, 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
}

/** Finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit go, oldest first. */
async function removeOldJobs(ctx: Context, cj: KObject, spec: CronJobSpec, jobs: KObject[]): Promise<void> {
  if (cj.metadata.deletionTimestamp) return;
  const started = (j: KObject) => (j.status as JobStatus | undefined)?.startTime ?? '';
  const byAge = (a: KObject, b: KObject) => started(a).localeCompare(started(b)) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
  for (const [outcome, limit] of [['Complete', spec.successfulJobsHistoryLimit], ['Failed', spec.failedJobsHistoryLimit]] as const) {
    if (limit === undefined || limit === null) continue;
    const done = jobs.filter((j) => finishedAs(j) === outcome && !j.metadata.deletionTimestamp).sort(byAge);
    for (const job of done.slice(0, Math.max(0, done.length - limit))) await deleteJob(ctx, cj, job);
  }
}

/** Go's RFC1123Z, in UTC as upstream prints it: `Mon, 07 Dec 2026 03:00:00 +0000`. */
function rfc1123z(t: Date): string {
  return t.toUTCString().replace('GMT', '+0000');
}
