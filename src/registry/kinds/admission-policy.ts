// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding:
// CEL checks the API server runs in process on writes a binding selects. The registry defaults and
// judges them (expressions are compiled here, so one that does not compile is refused when
// written); apiserver/admission/policy/ evaluates them.
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, TableConvertor, ValidationContext } from '../types.js';
import { asArray, isObject } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { validateLabelSelector } from '../validation/selector.js';
import { ageOf } from '../tables/age.js';
import { ageColumn, column, nameColumn } from '../tables/common.js';
import { validateEnum, validateRule } from './webhook-configuration.js';
import { POLICY_MATCH_VARIABLES, POLICY_VARIABLES, validateExpression, validateMatchConditions } from './admission-policy-cel.js';

type Json = Record<string, unknown>;

const FAILURE_POLICIES = ['Fail', 'Ignore'];
const MATCH_POLICIES = ['Equivalent', 'Exact'];
const REASONS = ['Unauthorized', 'Forbidden', 'Invalid', 'RequestEntityTooLarge'];
const ACTIONS = ['Deny', 'Warn', 'Audit'];
const NOT_FOUND_ACTIONS = ['Allow', 'Deny'];
const CEL_IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

function defaultMatchResources(m: Json): void {
  m.matchPolicy ??= 'Equivalent';
  if (!isObject(m.namespaceSelector)) m.namespaceSelector = {};
  if (!isObject(m.objectSelector)) m.objectSelector = {};
  for (const rule of [...asArray<Json>(m.resourceRules), ...asArray<Json>(m.excludeResourceRules)]) if (isObject(rule)) rule.scope ??= '*';
}

function policyDefaults(obj: KObject): void {
  const spec = obj.spec as Json | undefined;
  if (!isObject(spec)) return;
  spec.failurePolicy ??= 'Fail';
  if (isObject(spec.matchConstraints)) defaultMatchResources(spec.matchConstraints);
}

function bindingDefaults(obj: KObject): void {
  const spec = obj.spec as Json | undefined;
  if (!isObject(spec)) return;
  if (isObject(spec.matchResources)) defaultMatchResources(spec.matchResources);
  if (isObject(spec.paramRef)) spec.paramRef.parameterNotFoundAction ??= 'Deny';
}

function validateNamedRule(rule: unknown, path: string): FieldError[] {
  const errs = validateRule(rule, path);
  if (isObject(rule)) {
    asArray<unknown>(rule.resourceNames).forEach((n, i) => {
      if (typeof n !== 'string' || n === '') errs.push(fieldError.required(`${path}.resourceNames[${i}]`));
    });
  }
  return errs;
}

function validateMatchResources(m: unknown, path: string, rulesRequired: boolean): FieldError[] {
  if (m === undefined || m === null) return rulesRequired ? [fieldError.required(path)] : [];
  if (!isObject(m)) return [fieldError.typeInvalid(path, m, 'must be an object')];
  const errs: FieldError[] = [];
  if (rulesRequired && asArray(m.resourceRules).length === 0) errs.push(fieldError.required(`${path}.resourceRules`));
  asArray(m.resourceRules).forEach((r, i) => errs.push(...validateNamedRule(r, `${path}.resourceRules[${i}]`)));
  asArray(m.excludeResourceRules).forEach((r, i) => errs.push(...validateNamedRule(r, `${path}.excludeResourceRules[${i}]`)));
  errs.push(...validateEnum(m.matchPolicy, `${path}.matchPolicy`, MATCH_POLICIES));
  errs.push(...validateLabelSelector(m.namespaceSelector as LabelSelector | undefined, `${path}.namespaceSelector`));
  errs.push(...validateLabelSelector(m.objectSelector as LabelSelector | undefined, `${path}.objectSelector`));
  return errs;
}

function validateParamKind(pk: unknown, path: string): FieldError[] {
  if (pk === undefined || pk === null) return [];
  if (!isObject(pk)) return [fieldError.typeInvalid(path, pk, 'must be an object')];
  const errs: FieldError[] = [];
  if (typeof pk.kind !== 'string' || pk.kind === '') errs.push(fieldError.required(`${path}.kind`));
  if (typeof pk.apiVersion !== 'string' || pk.apiVersion === '') errs.push(fieldError.required(`${path}.apiVersion`));
  else if (pk.apiVersion.split('/').length > 2 || pk.apiVersion.split('/').some((p) => p === '')) {
    errs.push(fieldError.invalid(`${path}.apiVersion`, pk.apiVersion, 'must be a valid group/version'));
  }
  return errs;
}

function validateValidation(v: unknown, path: string): FieldError[] {
  if (!isObject(v)) return [fieldError.typeInvalid(path, v, 'must be an object')];
  const errs = validateExpression(v.expression, `${path}.expression`, POLICY_VARIABLES);
  if (typeof v.message === 'string') {
    if (v.message.trim() === '' && v.message !== '') errs.push(fieldError.invalid(`${path}.message`, v.message, 'message must be non-empty if specified'));
    if (v.message.includes('\n')) errs.push(fieldError.invalid(`${path}.message`, v.message, 'message must not contain line breaks'));
  }
  if (v.messageExpression !== undefined && v.messageExpression !== '') errs.push(...validateExpression(v.messageExpression, `${path}.messageExpression`, POLICY_VARIABLES));
  if (v.reason !== undefined) errs.push(...validateEnum(v.reason, `${path}.reason`, REASONS));
  return errs;
}

function validateVariables(vars: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  asArray<unknown>(vars).forEach((v, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(v)) return void errs.push(fieldError.typeInvalid(p, v, 'must be an object'));
    if (typeof v.name !== 'string' || v.name === '') errs.push(fieldError.required(`${p}.name`));
    else if (!CEL_IDENTIFIER.test(v.name)) errs.push(fieldError.invalid(`${p}.name`, v.name, 'name is not a valid CEL identifier'));
    else if (seen.has(v.name)) errs.push(fieldError.duplicate(`${p}.name`, v.name));
    if (typeof v.name === 'string') seen.add(v.name);
    errs.push(...validateExpression(v.expression, `${p}.expression`, POLICY_VARIABLES));
  });
  return errs;
}

function validatePolicy(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: false, nameFn: nameIsDNSSubdomain }, ctx.old);
  const spec = obj.spec;
  if (!isObject(spec)) return [...errs, fieldError.required('spec')];
  errs.push(...validateParamKind(spec.paramKind, 'spec.paramKind'));
  errs.push(...validateMatchResources(spec.matchConstraints, 'spec.matchConstraints', true));
  const validations = asArray<unknown>(spec.validations);
  if (validations.length === 0 && asArray(spec.auditAnnotations).length === 0) {
    errs.push(fieldError.required('spec.validations', 'validations or auditAnnotations must contain at least one item'));
  }
  validations.forEach((v, i) => errs.push(...validateValidation(v, `spec.validations[${i}]`)));
  asArray<Json>(spec.auditAnnotations).forEach((a, i) => {
    const p = `spec.auditAnnotations[${i}]`;
    if (typeof a?.key !== 'string' || a.key === '') errs.push(fieldError.required(`${p}.key`));
    errs.push(...validateExpression(a?.valueExpression, `${p}.valueExpression`, POLICY_VARIABLES));
  });
  errs.push(...validateEnum(spec.failurePolicy, 'spec.failurePolicy', FAILURE_POLICIES));
  errs.push(...validateMatchConditions(spec.matchConditions, 'spec.matchConditions', POLICY_MATCH_VARIABLES));
  errs.push(...validateVariables(spec.variables, 'spec.variables'));
  return errs;
}

function validateBinding(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: false, nameFn: nameIsDNSSubdomain }, ctx.old);
  const spec = obj.spec;
  if (!isObject(spec)) return [...errs, fieldError.required('spec')];
  if (typeof spec.policyName !== 'string' || spec.policyName === '') errs.push(fieldError.required('spec.policyName'));
  const ref = spec.paramRef;
  if (ref !== undefined && ref !== null) {
    if (!isObject(ref)) errs.push(fieldError.typeInvalid('spec.paramRef', ref, 'must be an object'));
    else {
      const hasName = typeof ref.name === 'string' && ref.name !== '';
      if (hasName === isObject(ref.selector)) errs.push(fieldError.forbidden('spec.paramRef', hasName ? '`name` and `selector` are mutually exclusive' : 'one of `name` or `selector` must be set'));
      if (isObject(ref.selector)) errs.push(...validateLabelSelector(ref.selector as LabelSelector, 'spec.paramRef.selector'));
      errs.push(...validateEnum(ref.parameterNotFoundAction, 'spec.paramRef.parameterNotFoundAction', NOT_FOUND_ACTIONS));
    }
  }
  errs.push(...validateMatchResources(spec.matchResources, 'spec.matchResources', false));
  const actions = asArray<unknown>(spec.validationActions);
  if (actions.length === 0) errs.push(fieldError.required('spec.validationActions', 'at least one validation action is required'));
  const seen = new Set<unknown>();
  actions.forEach((a, i) => {
    const p = `spec.validationActions[${i}]`;
    if (seen.has(a)) errs.push(fieldError.duplicate(p, a));
    seen.add(a);
    errs.push(...validateEnum(a, p, ACTIONS));
  });
  if (seen.has('Deny') && seen.has('Warn')) {
    errs.push(fieldError.invalid('spec.validationActions', actions, 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)'));
  }
  return errs;
}

const policyTable: TableConvertor = {
  columns: [nameColumn(), column('Validations', 'integer', 'Validations indicates the number of validation expressions'), column('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy'), ageColumn()],
  cells(obj: KObject, now: Date) {
    const spec = (obj.spec ?? {}) as Json;
    const pk = spec.paramKind as Json | undefined;
    return [obj.metadata.name ?? '', asArray(spec.validations).length, pk ? `${String(pk.apiVersion)}/${String(pk.kind)}` : '<unset>', ageOf(obj.metadata.creationTimestamp, now)];
  },
};

const bindingTable: TableConvertor = {
  columns: [nameColumn(), column('PolicyName', 'string', 'PolicyName indicates the policy definition which the policy binding binded to'), column('ParamRef', 'string', 'ParamRef indicates the param resource which sets the configration param'), ageColumn()],
  cells(obj: KObject, now: Date) {
    const spec = (obj.spec ?? {}) as Json;
    const ref = spec.paramRef as Json | undefined;
    const shown = !ref ? '<unset>' : ref.name ? `${ref.namespace ? String(ref.namespace) : '*'}/${String(ref.name)}` : `${ref.namespace ? String(ref.namespace) : '*'}/*`;
    return [obj.metadata.name ?? '', String(spec.policyName ?? ''), shown, ageOf(obj.metadata.creationTimestamp, now)];
  },
};

const base = { group: 'admissionregistration.k8s.io', version: 'v1', namespaced: false, generation: true } as const;

export const validatingAdmissionPolicy: ResourceDescriptor = {
  ...base,
  kind: 'ValidatingAdmissionPolicy',
  listKind: 'ValidatingAdmissionPolicyList',
  plural: 'validatingadmissionpolicies',
  categories: ['api-extensions'],
  singular: 'validatingadmissionpolicy',
  subresources: { status: true },
  defaults: policyDefaults,
  validate: validatePolicy,
  table: policyTable,
};

export const validatingAdmissionPolicyBinding: ResourceDescriptor = {
  ...base,
  kind: 'ValidatingAdmissionPolicyBinding',
  listKind: 'ValidatingAdmissionPolicyBindingList',
  plural: 'validatingadmissionpolicybindings',
  categories: ['api-extensions'],
  singular: 'validatingadmissionpolicybinding',
  defaults: bindingDefaults,
  validate: validateBinding,
  table: bindingTable,
};

/** Field tables (registry/fields) for unknown-field checks. */
export const admissionPolicyTypes = {
  ValidatingAdmissionPolicy: 'apiVersion kind metadata:ObjectMeta spec:VapSpec status:VapStatus',
  VapSpec:
    'paramKind:VapParamKind matchConstraints:VapMatchResources validations:[VapValidation] failurePolicy auditAnnotations:[VapAuditAnnotation] ' +
    'matchConditions:[MatchCondition] variables:[VapVariable]',
  VapParamKind: 'apiVersion kind',
  VapMatchResources: 'namespaceSelector:LabelSelector objectSelector:LabelSelector resourceRules:[VapNamedRule] excludeResourceRules:[VapNamedRule] matchPolicy',
  VapNamedRule: 'resourceNames:[string] operations:[string] apiGroups:[string] apiVersions:[string] resources:[string] scope',
  VapValidation: 'expression message reason messageExpression',
  VapAuditAnnotation: 'key valueExpression',
  VapVariable: 'name expression',
  VapStatus: 'observedGeneration:int typeChecking:VapTypeChecking conditions:[Condition]',
  VapTypeChecking: 'expressionWarnings:[VapExpressionWarning]',
  VapExpressionWarning: 'fieldRef warning',
  ValidatingAdmissionPolicyBinding: 'apiVersion kind metadata:ObjectMeta spec:VapBindingSpec',
  VapBindingSpec: 'policyName paramRef:VapParamRef matchResources:VapMatchResources validationActions:[string]',
  VapParamRef: 'name namespace selector:LabelSelector parameterNotFoundAction',
};
