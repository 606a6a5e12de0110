// scheduling.k8s.io/v1 PriorityClass (cluster-scoped): a name for a pod priority. The Priority
// admission (apiserver/admission/priority.ts) turns a pod's priorityClassName into spec.priority;
// the two system classes are made at start (server/priority-classes.ts).
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, TableConvertor, ValidationContext } from '../types.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { ageOf } from '../tables/age.js';
import { ageColumn, column, nameColumn } from '../tables/common.js';

export const HIGHEST_USER_PRIORITY = 1_000_000_000;
const PREEMPTION_POLICIES = ['Never', 'PreemptLowerPriority'];

/** The classes every cluster has; only these may use the `system-` prefix and values above a billion. */
export const SYSTEM_PRIORITY_CLASSES: ReadonlyArray<{ name: string; value: number; description: string }> = [
  { name: 'system-node-critical', value: 2_000_001_000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: 2_000_000_000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];

function defaults(obj: KObject): void {
  obj.preemptionPolicy ??= 'PreemptLowerPriority';
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: false, nameFn: nameIsDNSSubdomain }, ctx.old);
  const name = obj.metadata.name ?? '';
  const system = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
  if (system) {
    if (obj.value !== system.value) errs.push(fieldError.forbidden('metadata.name', `${name} is a system priority class with value ${system.value}`));
  } else if (name.startsWith('system-')) {
    errs.push(fieldError.invalid('metadata.name', name, "priority class names with 'system-' prefix are reserved"));
  }
  if (typeof obj.value !== 'number' || !Number.isInteger(obj.value)) errs.push(fieldError.required('value'));
  else if (!system && obj.value > HIGHEST_USER_PRIORITY) errs.push(fieldError.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`));
  if (obj.preemptionPolicy !== undefined && !PREEMPTION_POLICIES.includes(obj.preemptionPolicy as string)) {
    errs.push(fieldError.notSupported('preemptionPolicy', obj.preemptionPolicy, PREEMPTION_POLICIES));
  }
  if (ctx.old) {
    if (obj.value !== ctx.old.value) errs.push(fieldError.forbidden('value', 'may not be changed in an update.'));
    if (obj.preemptionPolicy !== ctx.old.preemptionPolicy) errs.push(fieldError.invalid('preemptionPolicy', obj.preemptionPolicy, 'field is immutable'));
  }
  return errs;
}

/** `kubectl get pc`: upstream's columns. */
export const priorityClassTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Value', 'integer', 'value represents the integer value of this priority class.'),
    column('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.'),
    ageColumn(),
    column('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
  ],
  cells(obj: KObject, now: Date) {
    return [obj.metadata.name ?? '', Number(obj.value ?? 0), obj.globalDefault === true, ageOf(obj.metadata.creationTimestamp, now), String(obj.preemptionPolicy ?? '')];
  },
};

/** Field table entries (registry/fields). */
export const priorityClassTypes = {
  PriorityClass: 'apiVersion kind metadata:ObjectMeta value:int globalDefault:bool description preemptionPolicy',
};

export const priorityClass: ResourceDescriptor = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  listKind: 'PriorityClassList',
  plural: 'priorityclasses',
  singular: 'priorityclass',
  shortNames: ['pc'],
  namespaced: false,
  generation: false,
  defaults,
  validate,
  table: priorityClassTable,
};
