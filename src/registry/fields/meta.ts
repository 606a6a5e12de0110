// meta/v1 types shared by every group.
import type { TypeSpecs } from './types.js';

/** The fields every top-level object starts with. */
export const top = 'apiVersion kind metadata:ObjectMeta';

export const metaTypes: TypeSpecs = {
  ObjectMeta:
    'name generateName namespace selfLink uid resourceVersion generation:int64 creationTimestamp:time deletionTimestamp:time ' +
    'deletionGracePeriodSeconds:int64 labels:{string} annotations:{string} ownerReferences:[OwnerReference] finalizers:[string] managedFields:any',
  OwnerReference: 'apiVersion kind name uid controller:bool blockOwnerDeletion:bool',
  LabelSelector: 'matchLabels:{string} matchExpressions:[LabelSelectorRequirement]',
  LabelSelectorRequirement: 'key operator values:[string]',
  Condition: 'type status observedGeneration:int64 lastTransitionTime:time reason message',
  DeleteOptions: 'apiVersion kind gracePeriodSeconds:int64 preconditions:Preconditions orphanDependents:bool propagationPolicy dryRun:[string]',
  Preconditions: 'uid resourceVersion',
};
