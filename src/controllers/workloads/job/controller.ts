// Job (NonIndexed): runs pods until `completions` succeed (or, without completions, until one
// succeeds and the rest finish), at most `parallelism` at a time; replaces failed pods after a
// growing delay until more than backoffLimit have failed; stops at activeDeadlineSeconds.
// Counts come from the pods present; the job-tracking finalizer upstream uses to count pods that
// are deleted before they are seen is not used, so succeeded/failed never go down but a pod
// removed unseen is not counted.
import type { JobSpec, JobStatus } from 'kubernetes-types/batch/v1.js';
import { getIfExists, type Client } from '../../../client/types.js';
import { createEventRecorder, type EventRecorder } from '../../../client/events.js';
import type { KObject } from '../../../registry/types.js';
import { runController, type ReconcileResult, type RunningController } from '../../runtime/run-controller.js';
import { claimObjects, ownerKeyOf } from '../controller-ref.js';
import { splitKey } from '../keys.js';
import { createOwnedPod, deleteOwnedPod, newPodCreationBudget, podFromTemplate, POD_BURST, type PodControl } from '../pod-control.js';
import type { TokenBucket } from '../../runtime/token-bucket.js';
import { rankForDeletion } from '../pod-ranking.js';
import { isActive, isReady, isTerminal, isTerminating, podPhase, restartCount } from '../pod-state.js';
import { jobsType, podsType } from '../resources.js';
import { selectorOf } from '../selector.js';
import { slowStartBatch } from '../slow-start.js';
import { timestamp, writeStatus } from '../status-write.js';
import { remainingBackoffMs, type BackoffPolicy } from './backoff.js';
import { conditionOf, finished, isTrue, outcomes, setJobCondition, type Outcome } from './conditions.js';

export interface JobControllerOptions {
  client: Client;
  /** Delay before replacing a failed pod, doubled per further failure (upstream: 10 s, capped at 10 min). */
  podFailureBackoff?: Partial<BackoffPolicy>;
  /** The pod creation budget shared with the other workload controllers. */
  podCreations?: TokenBucket;
  now?: () => Date;
  onError?(key: string, err: unknown): void;
}

interface Context {
  client: Client;
  events: EventRecorder;
  control: PodControl;
  backoff: BackoffPolicy;
  now: () => Date;
}

export async function runJobController(o: JobControllerOptions, signal: AbortSignal): Promise<RunningController> {
  const events = createEventRecorder(o.client, { component: 'job-controller' });
  const ctx: Context = {
    client: o.client,
    events,
    control: { client: o.client, events, creations: o.podCreations ?? newPodCreationBudget() },
    backoff: { baseMs: o.podFailureBackoff?.baseMs ?? 10_000, maxMs: o.podFailureBackoff?.maxMs ?? 600_000 },
    now: o.now ?? (() => new Date()),
  };
  return runController(
    { name: 'job', client: o.client, for: jobsType, watches: [{ type: podsType, keyOf: ownerKeyOf('Job') }], reconcile: (key) => reconcileJob(ctx, key), onError: o.onError },
    signal,
  );
}

async function reconcileJob(ctx: Context, key: string): Promise<ReconcileResult | void> {
  const { namespace, name } = splitKey(key);
  const job = await getIfExists(ctx.client, jobsType, namespace, name);
  if (!job) return;
  const prev = (job.status ?? {}) as JobStatus;
  if (finished(prev) || job.metadata.deletionTimestamp) return;
  const spec = job.spec as JobSpec;
  const now = ctx.now();
  const matches = selectorOf(spec.selector);
  const pods = await claimObjects({ client: ctx.client, type: podsType, owner: job, objects: (await ctx.client.list(podsType, { namespace })).items, matches: (p) => matches(p.metadata.labels) });
  const status: JobStatus = structuredClone(prev);
  const active = pods.filter(isActive);
  const terminating = pods.filter((p) => isTerminating(p) && !isTerminal(p));
  // Pods removed after they were counted must not take their count with them.
  status.succeeded = Math.max(prev.succeeded ?? 0, pods.filter((p) => podPhase(p) === 'Succeeded').length);
  status.failed = Math.max(prev.failed ?? 0, pods.filter((p) => podPhase(p) === 'Failed').length);
  const suspended = spec.suspend === true;
  if (!suspended && !status.startTime) status.startTime = timestamp(now);

  let result: ReconcileResult | void = undefined;
  let remaining = active;
  const target = interimOutcome(spec, status, active, now);
  if (suspended) {
    await deleteAll(ctx, job, active);
    remaining = [];
    setJobCondition(status, 'Suspended', 'True', { reason: 'JobSuspended', message: 'Job suspended' }, now);
  } else if (target) {
    // Criteria met: the rest of the pods go, then the terminal condition follows.
    await deleteAll(ctx, job, active);
    remaining = [];
    if (terminating.length === 0) finish(ctx, job, status, target, now);
    else result = { requeueAfterMs: 1000 };
  } else {
    if (conditionOf(status, 'Suspended')?.status === 'True') {
      setJobCondition(status, 'Suspended', 'False', { reason: 'JobResumed', message: 'Job resumed' }, now);
      status.startTime = timestamp(now);
    }
    ({ remaining, result } = await manage(ctx, job, pods, active, terminating, status, now));
    const deadline = spec.activeDeadlineSeconds;
    if (deadline !== undefined && deadline !== null && status.startTime) {
      const left = Date.parse(status.startTime) + deadline * 1000 - now.getTime();
      result = { requeueAfterMs: Math.max(0, Math.min(result?.requeueAfterMs ?? Infinity, left + 50)) };
    }
  }
  status.active = remaining.length;
  status.ready = remaining.filter(isReady).length;
  status.terminating = terminating.length;
  status.uncountedTerminatedPods = status.uncountedTerminatedPods ?? {};
  await writeStatus(ctx.client, jobsType, job, status);
  return result;
}

/** Whether the Job has met its success or failure criteria (set in `status` as the interim condition). */
function interimOutcome(spec: JobSpec, status: JobStatus, active: KObject[], now: Date): { type: 'Complete' | 'Failed'; outcome: Outcome } | undefined {
  if (isTrue(status, 'SuccessCriteriaMet')) return { type: 'Complete', outcome: outcomeOf(status, 'SuccessCriteriaMet') };
  if (isTrue(status, 'FailureTarget')) return { type: 'Failed', outcome: outcomeOf(status, 'FailureTarget') };
  let failure: Outcome | undefined;
  const limit = spec.backoffLimit ?? 6;
  const onFailureRestarts = spec.template.spec?.restartPolicy === 'OnFailure' ? active.reduce((n, p) => n + restartCount(p), 0) : 0;
  const pastOnFailure = spec.template.spec?.restartPolicy === 'OnFailure' && (limit === 0 ? onFailureRestarts > 0 : onFailureRestarts >= limit);
  if ((status.failed ?? 0) > limit || pastOnFailure) failure = outcomes.backoffLimit;
  else if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null && status.startTime && now.getTime() - Date.parse(status.startTime) >= spec.activeDeadlineSeconds * 1000) failure = outcomes.deadline;
  if (failure) {
    setJobCondition(status, 'FailureTarget', 'True', failure, now);
    return { type: 'Failed', outcome: failure };
  }
  const succeeded = status.succeeded ?? 0;
  const complete = spec.completions === undefined || spec.completions === null ? succeeded > 0 && active.length === 0 : succeeded >= spec.completions;
  if (!complete) return undefined;
  setJobCondition(status, 'SuccessCriteriaMet', 'True', outcomes.completed, now);
  return { type: 'Complete', outcome: outcomes.completed };
}

const outcomeOf = (s: JobStatus, type: string): Outcome => ({ reason: conditionOf(s, type)?.reason ?? '', message: conditionOf(s, type)?.message ?? '' });

function finish(ctx: Context, job: KObject, status: JobStatus, target: { type: 'Complete' | 'Failed'; outcome: Outcome }, now: Date): void {
  setJobCondition(status, target.type, 'True', target.outcome, now);
  if (target.type === 'Complete') {
    status.completionTime = timestamp(now);
    ctx.events.normal(job, 'Completed', 'Job completed');
  } else {
    ctx.events.warning(job, target.outcome.reason, target.outcome.message);
  }
}

async function deleteAll(ctx: Context, job: KObject, pods: KObject[]): Promise<void> {
  const results = await Promise.allSettled(pods.map((p) => deleteOwnedPod(ctx.control, job, p)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Brings the number of running pods to what parallelism and the remaining completions call for. */
async function manage(ctx: Context, job: KObject, pods: KObject[], active: KObject[], terminating: KObject[], status: JobStatus, now: Date): Promise<{ remaining: KObject[]; result?: ReconcileResult }> {
  const spec = job.spec as JobSpec;
  const parallelism = spec.parallelism ?? 1;
  const succeeded = status.succeeded ?? 0;
  let want: number;
  if (spec.completions === undefined || spec.completions === null) want = succeeded > 0 ? active.length : parallelism;
  else want = Math.max(0, Math.min(parallelism, spec.completions - succeeded));
  // Under podReplacementPolicy Failed a terminating pod still holds its slot until it is gone.
  const counted = active.length + (spec.podReplacementPolicy === 'Failed' ? terminating.length : 0);
  if (counted > want) {
    const extra = rankForDeletion(active).slice(0, Math.min(active.length, counted - want));
    await deleteAll(ctx, job, extra);
    return { remaining: active.filter((p) => !extra.includes(p)) };
  }
  if (counted === want) return { remaining: active };
  const wait = remainingBackoffMs(pods, ctx.backoff, now);
  if (wait > 0) return { remaining: active, result: { requeueAfterMs: wait } };
  const created: KObject[] = [];
  // A parallelism in the millions is reached POD_BURST pods per pass; the pods' events bring it back.
  const outcome = await slowStartBatch(Math.min(want - counted, POD_BURST), async () => {
    const pod = await createOwnedPod(ctx.control, job, podFromTemplate(job, spec.template, { generateName: `${job.metadata.name}-` }));
    if (pod) created.push(pod);
  });
  if (outcome.error) throw outcome.error;
  return { remaining: [...active, ...created] };
}
