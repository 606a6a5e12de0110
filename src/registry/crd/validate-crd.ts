// Static validation of a CustomResourceDefinition, as kube-apiserver's apiextensions validation:
// names, group, scope, versions (exactly one storage version), subresources, printer columns and
// the structural-schema rules, each with upstream's field path and wording.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject } from '../types.js';
import { validateMeta } from '../validation/meta.js';
import { isDNS1035Label, isDNS1123Subdomain } from '../validation/names.js';
import type { CrdSpec, CrdStatus, CrdVersion, JSONSchemaProps } from './types.js';
import { validateValue } from './validate-value.js';
import { ruleCompileError } from './cel-rules.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const LIST_TYPES = ['atomic', 'map', 'set'];
const SCHEMA_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

/** Go's `%#v` of a version list is long; upstream prints it whole, we print the names. */
const versionsValue = (versions: CrdVersion[]) => `[]apiextensions.CustomResourceDefinitionVersion{${versions.map((v) => JSON.stringify(v?.name ?? '')).join(', ')}}`;

export function validateCrd(obj: KObject, old?: KObject): FieldError[] {
  const errs = validateMeta(obj, { namespaced: false, nameFn: () => [] }, old);
  const spec = (isObject(obj.spec) ? obj.spec : {}) as unknown as CrdSpec;
  const names = (isObject(spec.names) ? spec.names : {}) as CrdSpec['names'];
  const name = obj.metadata.name ?? '';
  if (name && (names.plural || spec.group) && name !== `${names.plural}.${spec.group}`) {
    errs.push(fieldError.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  }
  errs.push(...validateSpec(spec));
  if (old) {
    const oldSpec = (old.spec ?? {}) as CrdSpec;
    if (oldSpec.group !== spec.group) errs.push(fieldError.invalid('spec.group', spec.group, 'field is immutable'));
    if (oldSpec.names?.plural !== names.plural) errs.push(fieldError.invalid('spec.names.plural', names.plural, 'field is immutable'));
    const established = ((old.status as CrdStatus | undefined)?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
    if (established && oldSpec.scope !== spec.scope) errs.push(fieldError.invalid('spec.scope', spec.scope, 'field is immutable'));
    if (established && oldSpec.names?.kind !== names.kind) errs.push(fieldError.invalid('spec.names.kind', names.kind, 'field is immutable'));
  }
  return errs;
}

function validateSpec(spec: CrdSpec): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec.group) errs.push(fieldError.required('spec.group'));
  else {
    const problems = isDNS1123Subdomain(spec.group);
    if (problems.length) errs.push(fieldError.invalid('spec.group', spec.group, problems.join(',')));
    else if (spec.group.split('.').length < 2) errs.push(fieldError.invalid('spec.group', spec.group, 'should be a domain with at least one dot'));
  }
  if (!spec.scope) errs.push(fieldError.required('spec.scope'));
  else if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') errs.push(fieldError.notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));

  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) errs.push(fieldError.invalid('spec.versions', versionsValue(versions), 'must have exactly one version marked as storage version'));
  let storage = 0;
  const seen = new Set<string>();
  let unique = true;
  versions.forEach((v, i) => {
    const at = `spec.versions[${i}]`;
    if (!isObject(v)) return;
    if (v.storage) storage++;
    if (seen.has(v.name)) unique = false;
    seen.add(v.name);
    const problems = isDNS1035Label(String(v.name ?? ''));
    if (problems.length) errs.push(fieldError.invalid(`${at}.name`, v.name ?? '', problems.join(',')));
    errs.push(...validateVersion(v, at));
  });
  if (versions.length > 0) {
    if (!unique) errs.push(fieldError.invalidGo('spec.versions', versionsValue(versions), 'must contain unique version names'));
    if (storage !== 1) errs.push(fieldError.invalidGo('spec.versions', versionsValue(versions), 'must have exactly one version marked as storage version'));
  }

  const names = (isObject(spec.names) ? spec.names : {}) as CrdSpec['names'];
  for (const f of ['plural', 'singular', 'kind', 'listKind'] as const) if (!names[f]) errs.push(fieldError.required(`spec.names.${f}`));
  errs.push(...validateNames(names, 'spec.names'));
  const strategy = spec.conversion?.strategy;
  if (spec.conversion && strategy !== 'None' && strategy !== 'Webhook') {
    errs.push(strategy ? fieldError.notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']) : fieldError.required('spec.conversion.strategy'));
  }
  if (strategy === 'Webhook') errs.push(fieldError.notSupported('spec.conversion.strategy', strategy, ['None']));
  if (spec.preserveUnknownFields === true) errs.push(fieldError.invalid('spec.preserveUnknownFields', true, 'must be false in order to use defaults in the schema'));
  return errs;
}

export function validateNames(names: Partial<CrdSpec['names']>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const dns = (field: string, value: string | undefined, lower = false) => {
    if (!value) return;
    const problems = isDNS1035Label(lower ? value.toLowerCase() : value);
    if (problems.length) errs.push(fieldError.invalid(`${path}.${field}`, value, `${lower ? 'may have mixed case, but should otherwise match: ' : ''}${problems.join(',')}`));
  };
  dns('plural', names.plural);
  dns('singular', names.singular);
  dns('kind', names.kind, true);
  dns('listKind', names.listKind, true);
  (names.shortNames ?? []).forEach((s, i) => dns(`shortNames[${i}]`, s));
  if (names.kind && names.kind === names.listKind) errs.push(fieldError.invalid(`${path}.listKind`, names.listKind, 'kind and listKind may not be the same'));
  (names.categories ?? []).forEach((c, i) => dns(`categories[${i}]`, c));
  return errs;
}

function simpleJsonPath(path: string, value: unknown, under?: '.spec.' | '.status.'): FieldError[] {
  if (typeof value !== 'string' || value === '') return [fieldError.invalid(path, value ?? '', 'must not be empty')];
  if (value[0] !== '.') return [fieldError.invalid(path, value, 'must be a simple json path starting with .')];
  if (under && !value.startsWith(under)) return [fieldError.invalid(path, value, `should be a json path under ${under.slice(0, -1)}`)];
  return [];
}

function validateVersion(v: CrdVersion, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const scale = v.subresources?.scale;
  if (scale) {
    const p = `${at}.subresources.scale`;
    if (!scale.specReplicasPath) errs.push(fieldError.required(`${p}.specReplicasPath`));
    else errs.push(...simpleJsonPath(`${p}.specReplicasPath`, scale.specReplicasPath, '.spec.'));
    if (!scale.statusReplicasPath) errs.push(fieldError.required(`${p}.statusReplicasPath`));
    else errs.push(...simpleJsonPath(`${p}.statusReplicasPath`, scale.statusReplicasPath, '.status.'));
    if (scale.labelSelectorPath) errs.push(...simpleJsonPath(`${p}.labelSelectorPath`, scale.labelSelectorPath, '.status.'));
  }
  (v.additionalPrinterColumns ?? []).forEach((c, i) => {
    const p = `${at}.additionalPrinterColumns[${i}]`;
    if (!c.name) errs.push(fieldError.required(`${p}.name`));
    if (!c.type) errs.push(fieldError.required(`${p}.type`, `must be one of ${COLUMN_TYPES.join(',')}`));
    else if (!COLUMN_TYPES.includes(c.type)) errs.push(fieldError.invalid(`${p}.type`, c.type, `must be one of ${COLUMN_TYPES.join(',')}`));
    if (c.format && !COLUMN_FORMATS.includes(c.format)) errs.push(fieldError.invalid(`${p}.format`, c.format, `must be one of ${COLUMN_FORMATS.join(',')}`));
    if (!c.jsonPath) errs.push(fieldError.required(`${p}.JSONPath`));
    else errs.push(...simpleJsonPath(`${p}.JSONPath`, c.jsonPath));
  });
  const schema = v.schema?.openAPIV3Schema;
  const sp = `${at}.schema.openAPIV3Schema`;
  if (!isObject(schema)) {
    errs.push(fieldError.required(sp, 'schemas are required'));
    return errs;
  }
  if (!schema.type) errs.push(fieldError.required(`${sp}.type`, 'must not be empty at the root'));
  else if (schema.type !== 'object') errs.push(fieldError.invalid(`${sp}.type`, schema.type, 'must be object at the root'));
  const meta = schema.properties?.metadata;
  if (meta) {
    const allowed = new Set(['type', 'properties', 'description']);
    const extra = Object.keys(meta).some((k) => !allowed.has(k)) || Object.keys(meta.properties ?? {}).some((k) => k !== 'name' && k !== 'generateName');
    if (extra) errs.push(fieldError.forbidden(`${sp}.properties[metadata]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
  structural(schema, sp, true, errs);
  return errs;
}

/** The structural-schema rules for one node and, recursively, below it. */
function structural(s: JSONSchemaProps, path: string, root: boolean, errs: FieldError[]): void {
  if (!isObject(s)) return;
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'];
  if (!root && !s.type && !intOrString && preserve !== true) errs.push(fieldError.required(`${path}.type`, 'must not be empty for specified object fields'));
  if (s.type && !SCHEMA_TYPES.includes(s.type)) errs.push(fieldError.notSupported(`${path}.type`, s.type, SCHEMA_TYPES));
  if (intOrString && s.type) errs.push(fieldError.invalid(`${path}.type`, s.type, 'must be empty if x-kubernetes-int-or-string is true'));
  if (preserve === false) errs.push(fieldError.invalid(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  if (s['x-kubernetes-embedded-resource'] && s.type !== 'object') errs.push(fieldError.invalid(`${path}.type`, s.type ?? '', 'must be object if x-kubernetes-embedded-resource is true'));
  if (s.type === 'array' && !s.items) errs.push(fieldError.required(`${path}.items`, 'must be specified'));
  if (s.uniqueItems === true) errs.push(fieldError.forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (s.additionalProperties !== undefined && s.properties && Object.keys(s.properties).length > 0 && s.additionalProperties !== true) {
    errs.push(fieldError.forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  for (const f of ['$ref', 'id', 'additionalItems', 'patternProperties', 'definitions', 'dependencies']) {
    if (s[f] !== undefined) errs.push(fieldError.forbidden(`${path}.${f}`, `${f} is not supported`));
  }
  const listType = s['x-kubernetes-list-type'];
  if (listType !== undefined) {
    if (!LIST_TYPES.includes(listType)) errs.push(fieldError.notSupported(`${path}.x-kubernetes-list-type`, listType, LIST_TYPES));
    else if (s.type !== 'array') errs.push(fieldError.invalid(`${path}.type`, s.type ?? '', 'must be array if x-kubernetes-list-type is specified'));
    else if (listType === 'map' && !(s['x-kubernetes-list-map-keys']?.length)) {
      errs.push(fieldError.required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
    }
  }
  if (s.pattern !== undefined) {
    try {
      new RegExp(String(s.pattern), 'u');
    } catch (err) {
      errs.push(fieldError.invalid(`${path}.pattern`, s.pattern, `must be a valid regular expression, but isn't: ${(err as Error).message}`));
    }
  }
  const rules = s['x-kubernetes-validations'];
  if (rules !== undefined) {
    if (!Array.isArray(rules)) errs.push(fieldError.invalid(`${path}.x-kubernetes-validations`, rules, 'must be a list of rules'));
    else
      rules.forEach((r, i) => {
        const rule = isObject(r) ? r.rule : undefined;
        const problem = ruleCompileError(rule);
        if (problem) errs.push(rule ? fieldError.invalid(`${path}.x-kubernetes-validations[${i}].rule`, rule, problem) : fieldError.required(`${path}.x-kubernetes-validations[${i}].rule`));
      });
  }
  if (s.default !== undefined) {
    const bad = validateValue(s, s.default, '');
    for (const e of bad) errs.push({ ...e, field: e.field ? `${path}.default.${e.field}` : `${path}.default`, message: e.message.replace(/^(.*?)<root> in body/, '$1default in body') });
  }
  for (const [k, p] of Object.entries(s.properties ?? {})) structural(p, `${path}.properties[${k}]`, false, errs);
  if (isObject(s.additionalProperties)) structural(s.additionalProperties, `${path}.additionalProperties`, false, errs);
  if (isObject(s.items)) structural(s.items, `${path}.items`, false, errs);
}

/** Status written by the controllers: accepted names must be valid names too. */
export function validateCrdStatus(obj: KObject): FieldError[] {
  const status = (obj.status ?? {}) as CrdStatus;
  return status.acceptedNames ? validateNames(status.acceptedNames, 'status.acceptedNames') : [];
}
