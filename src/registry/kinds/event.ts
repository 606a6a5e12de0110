// core/v1 Event and events.k8s.io/v1 Event: the same record seen through two schemas.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { asObject } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { isQualifiedName, nameIsDNSSubdomain } from '../validation/names.js';

const TYPES = ['Normal', 'Warning'];
const str = (v: unknown) => (typeof v === 'string' ? v : '');

function validateCoreEvent(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const involved = asObject(obj.involvedObject);
  const involvedNs = str(involved.namespace);
  const ns = obj.metadata.namespace ?? '';
  // Events about cluster-scoped objects live in "default" (or nowhere) for old clients' sake.
  const ok = involvedNs === '' ? ns === '' || ns === 'default' : involvedNs === ns;
  if (!ok) errs.push(fieldError.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  if (obj.type !== undefined && obj.type !== '' && !TYPES.includes(str(obj.type))) {
    errs.push(fieldError.notSupported('type', obj.type, TYPES));
  }
  if (typeof obj.count === 'number' && obj.count < 0) errs.push(fieldError.invalid('count', obj.count, 'must be greater than or equal to 0'));
  return errs;
}

function validateEventsV1(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const regarding = asObject(obj.regarding);
  const regNs = str(regarding.namespace);
  const ns = obj.metadata.namespace ?? '';
  if (regNs !== '' && regNs !== ns) errs.push(fieldError.invalid('regarding.namespace', regNs, 'does not match event.namespace'));
  if (!obj.eventTime) errs.push(fieldError.required('eventTime'));
  const controller = str(obj.reportingController);
  if (!controller) errs.push(fieldError.required('reportingController'));
  else for (const msg of isQualifiedName(controller)) errs.push(fieldError.invalid('reportingController', controller, msg));
  for (const [field, max] of [['reportingInstance', 128], ['action', 128], ['reason', 128]] as const) {
    const v = str(obj[field]);
    if (!v) errs.push(fieldError.required(field));
    else if (v.length > max) errs.push(fieldError.tooLong(field, max));
  }
  if (!TYPES.includes(str(obj.type))) errs.push(fieldError.notSupported('type', obj.type ?? '', TYPES));
  if (str(obj.note).length > 1024) errs.push(fieldError.tooLong('note', 1024));
  return errs;
}

/** Field selectors use the core names for both schemas, as the shared storage does upstream. */
function coreEventFields(obj: KObject): Record<string, string> {
  const io = asObject(obj.involvedObject);
  return {
    'involvedObject.kind': str(io.kind),
    'involvedObject.namespace': str(io.namespace),
    'involvedObject.name': str(io.name),
    'involvedObject.uid': str(io.uid),
    'involvedObject.apiVersion': str(io.apiVersion),
    'involvedObject.resourceVersion': str(io.resourceVersion),
    'involvedObject.fieldPath': str(io.fieldPath),
    reason: str(obj.reason),
    reportingComponent: str(obj.reportingComponent),
    source: str(asObject(obj.source).component),
    type: str(obj.type),
  };
}

function eventsV1Fields(obj: KObject): Record<string, string> {
  const r = asObject(obj.regarding);
  const fields: Record<string, string> = {
    'regarding.kind': str(r.kind),
    'regarding.namespace': str(r.namespace),
    'regarding.name': str(r.name),
    'regarding.uid': str(r.uid),
    'regarding.apiVersion': str(r.apiVersion),
    'regarding.resourceVersion': str(r.resourceVersion),
    'regarding.fieldPath': str(r.fieldPath),
    reason: str(obj.reason),
    reportingController: str(obj.reportingController),
    type: str(obj.type),
  };
  for (const k of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) {
    fields[`involvedObject.${k}`] = fields[`regarding.${k}`]!;
  }
  fields.reportingComponent = fields.reportingController!;
  fields.source = str(asObject(obj.deprecatedSource).component);
  return fields;
}

/** What both schemas share; they differ in group, field selectors and validation. */
const eventBase = {
  version: 'v1',
  kind: 'Event',
  listKind: 'EventList',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  namespaced: true,
  generation: false,
} as const satisfies Partial<ResourceDescriptor>;

export const coreEvent: ResourceDescriptor = {
  ...eventBase,
  group: '',
  selectableFields: coreEventFields,
  validate: validateCoreEvent,
};

export const eventsV1Event: ResourceDescriptor = {
  ...eventBase,
  group: 'events.k8s.io',
  selectableFields: eventsV1Fields,
  validate: validateEventsV1,
};
