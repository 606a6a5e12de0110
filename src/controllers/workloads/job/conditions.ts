// Job conditions as 1.32 writes them: the criteria are met first (SuccessCriteriaMet or
// FailureTarget) and the terminal condition (Complete or Failed) follows once no pod of the Job is
// still running or terminating.
import type { JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';
import { timestamp } from '../status-write.js';

export const outcomes = {
  completed: { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
  backoffLimit: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
  deadline: { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' },
} as const;

export type Outcome = { reason: string; message: string };

export const conditionOf = (s: JobStatus, type: string): JobCondition | undefined => s.conditions?.find((c) => c.type === type);
export const isTrue = (s: JobStatus, type: string): boolean => conditionOf(s, type)?.status === 'True';
export const finished = (s: JobStatus): boolean => isTrue(s, 'Complete') || isTrue(s, 'Failed');

/** Sets a condition in place; an unchanged status and reason keep their times. */
export function setJobCondition(s: JobStatus, type: string, status: 'True' | 'False', o: Outcome, now: Date): void {
  const current = conditionOf(s, type);
  if (current && current.status === status && current.reason === o.reason) return;
  const t = timestamp(now);
  const next: JobCondition = { type, status, lastProbeTime: t, lastTransitionTime: t, reason: o.reason, message: o.message };
  s.conditions = current ? s.conditions!.map((c) => (c.type === type ? next : c)) : [...(s.conditions ?? []), next];
}
