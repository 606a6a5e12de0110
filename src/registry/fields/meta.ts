// meta/v1 types shared by every group.
import type { TypeSpecs } from './types.js';

/** The fields every top-level object starts with. */
export const top = 'apiVersion kind metadata:ObjectMeta';

export const metaTypes: TypeSpecs = {
  ObjectMeta:
    'name generateName namespace selfLink uid resourceVersion generation:int creationTimestamp:time deletionTimestamp:time ' +
    'deletionGracePeriodSeconds:int labels:{string} annotations:{string} ownerReferences:[OwnerReference] finalizers:[string] managedFields:any',
  OwnerReference: 'apiVersion kind name uid controller:bool blockOwnerDeletion:bool',
  LabelSelector: 'matchLabels:{string} matchExpressions:[LabelSelectorRequirement]',
  LabelSelectorRequirement: 'key operator values:[string]',
  Condition: 'type status observedGeneration:int lastTransitionTime:time reason message',
};
