// `kubectl get jobs` (1.32 layout): the job's state from its conditions, completions and run time.
import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { KObject, TableConvertor } from '../types.js';
import { ageOf, humanDuration } from './age.js';
import { ageColumn, column, containerCells, formatLabelSelector, int, nameColumn, templateColumns } from './common.js';
import { doc } from './docs.js';

const has = (conds: JobCondition[] | undefined, type: string): boolean =>
  (conds ?? []).some((c) => c.type === type && c.status === 'True');

export function jobStatus(job: Job): string {
  const conds = job.status?.conditions;
  // Terminal conditions win over a pending deletion; transitional ones come after it.
  if (has(conds, 'Complete')) return 'Complete';
  if (has(conds, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (has(conds, 'Suspended')) return 'Suspended';
  if (has(conds, 'FailureTarget')) return 'FailureTarget';
  if (has(conds, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

export function jobCompletions(job: Job): string {
  const succeeded = int(job.status?.succeeded);
  const completions = job.spec?.completions;
  if (completions !== undefined && completions !== null) return `${succeeded}/${completions}`;
  const parallelism = job.spec?.parallelism;
  // Work-queue jobs: any one success finishes the job, however many pods run at once.
  if (parallelism !== undefined && parallelism !== null && parallelism > 1) return `${succeeded}/1 of ${parallelism}`;
  return `${succeeded}/1`;
}

function jobDuration(job: Job, now: Date): string {
  const start = job.status?.startTime ? Date.parse(job.status.startTime) : NaN;
  if (Number.isNaN(start)) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now.getTime();
  return humanDuration(end - start);
}

export const jobTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', doc['JobStatus.succeeded']),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    ...templateColumns(doc['JobSpec.selector']),
  ],
  cells(obj: KObject, now: Date) {
    const job = obj as unknown as Job;
    return [
      obj.metadata.name ?? '',
      jobStatus(job),
      jobCompletions(job),
      jobDuration(job, now),
      ageOf(obj.metadata.creationTimestamp, now),
      ...containerCells(job.spec?.template?.spec?.containers),
      formatLabelSelector(job.spec?.selector),
    ];
  },
};
