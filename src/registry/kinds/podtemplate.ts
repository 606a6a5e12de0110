// core/v1 PodTemplate: a named pod template, stored and served as it is (no controller reads it
// here). Served because clients list it: `kubectl get all`-style tools, helm charts that ship one.
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, TableConvertor, ValidationContext } from '../types.js';
import { asObject } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { validatePodTemplateSpec } from '../validation/podspec.js';
import { ageOf } from '../tables/age.js';
import { ageColumn, column, containerCells, formatLabels, nameColumn } from '../tables/common.js';
import { defaultPodSpec } from './pod-defaults.js';

const template = (obj: KObject) => asObject(obj.template) as PodTemplateSpec;

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  return [...validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old), ...validatePodTemplateSpec(template(obj), 'template')];
}

/** Upstream's columns: Name, Containers, Images, Pod Labels (then Age, as every table here). */
export const podTemplateTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Containers', 'string', 'Names of each container in the template.'),
    column('Images', 'string', 'Images referenced by each container in the template.'),
    column('Pod Labels', 'string', 'The labels for the pod template.'),
    ageColumn(),
  ],
  cells(obj: KObject, now: Date) {
    const t = template(obj);
    return [obj.metadata.name ?? '', ...containerCells(t.spec?.containers), formatLabels(t.metadata?.labels), ageOf(obj.metadata.creationTimestamp, now)];
  },
};

/** Field table entries (registry/fields): the template is the pod template every workload has. */
export const podTemplateTypes = { PodTemplate: 'apiVersion kind metadata:ObjectMeta template:PodTemplateSpec' };

export const podTemplate: ResourceDescriptor = {
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  listKind: 'PodTemplateList',
  plural: 'podtemplates',
  singular: 'podtemplate',
  namespaced: true,
  generation: false,
  defaults: (obj) => defaultPodSpec(template(obj).spec),
  validate,
  table: podTemplateTable,
};
