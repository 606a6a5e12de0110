// batch/v1 Job.
import { top } from './meta.js';
import type { TypeSpecs } from './types.js';

export const batchTypes: TypeSpecs = {
  Job: `${top} spec:JobSpec status:JobStatus`,
  JobSpec:
    'parallelism:int completions:int activeDeadlineSeconds:int64 podFailurePolicy:PodFailurePolicy successPolicy:SuccessPolicy ' +
    'backoffLimit:int backoffLimitPerIndex:int maxFailedIndexes:int selector:LabelSelector manualSelector:bool ' +
    'template:PodTemplateSpec ttlSecondsAfterFinished:int completionMode suspend:bool podReplacementPolicy managedBy',
  PodFailurePolicy: 'rules:[PodFailurePolicyRule]',
  PodFailurePolicyRule:
    'action onExitCodes:PodFailurePolicyOnExitCodesRequirement onPodConditions:[PodFailurePolicyOnPodConditionsPattern]',
  PodFailurePolicyOnExitCodesRequirement: 'containerName operator values:[int]',
  PodFailurePolicyOnPodConditionsPattern: 'type status',
  SuccessPolicy: 'rules:[SuccessPolicyRule]',
  SuccessPolicyRule: 'succeededIndexes succeededCount:int',
  JobStatus:
    'conditions:[JobCondition] startTime:time completionTime:time active:int succeeded:int failed:int terminating:int ' +
    'completedIndexes failedIndexes uncountedTerminatedPods:UncountedTerminatedPods ready:int',
  JobCondition: 'type status lastProbeTime:time lastTransitionTime:time reason message',
  UncountedTerminatedPods: 'succeeded:[string] failed:[string]',
};
