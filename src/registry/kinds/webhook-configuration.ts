// admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration and MutatingWebhookConfiguration:
// which writes the API server sends to which HTTPS endpoint before storing them. The registry
// only defaults and checks them; apiserver/admission/webhooks/ calls the endpoints.
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, TableConvertor, ValidationContext } from '../types.js';
import { asArray, isObject } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { isDNS1123Subdomain, nameIsDNSSubdomain } from '../validation/names.js';
import { validateLabelSelector } from '../validation/selector.js';
import { ageOf } from '../tables/age.js';
import { ageColumn, column, nameColumn } from '../tables/common.js';
import { validateWebhookClientConfig } from './webhook-client-config.js';
import { validateMatchConditions, WEBHOOK_MATCH_VARIABLES } from './admission-policy-cel.js';

type Json = Record<string, unknown>;

export const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];
const FAILURE_POLICIES = ['Fail', 'Ignore'];
const MATCH_POLICIES = ['Equivalent', 'Exact'];
const REINVOCATION_POLICIES = ['IfNeeded', 'Never'];
const SIDE_EFFECTS = ['None', 'NoneOnDryRun'];
/** Review versions this server can speak; the request and response shapes are the same in both. */
export const REVIEW_VERSIONS = ['v1', 'v1beta1'];

function defaultWebhook(hook: Json, mutating: boolean): void {
  hook.failurePolicy ??= 'Fail';
  hook.matchPolicy ??= 'Equivalent';
  if (!isObject(hook.namespaceSelector)) hook.namespaceSelector = {};
  if (!isObject(hook.objectSelector)) hook.objectSelector = {};
  hook.timeoutSeconds ??= 10;
  if (mutating) hook.reinvocationPolicy ??= 'Never';
  for (const rule of asArray<Json>(hook.rules)) if (isObject(rule)) rule.scope ??= '*';
  const service = isObject(hook.clientConfig) && isObject(hook.clientConfig.service) ? hook.clientConfig.service : undefined;
  if (service) service.port ??= 443;
}

const defaultsFor = (mutating: boolean) => (obj: KObject) => {
  for (const hook of asArray<Json>(obj.webhooks)) if (isObject(hook)) defaultWebhook(hook, mutating);
};

/** Upstream requires webhook names to be fully qualified: a DNS subdomain of three or more parts. */
function validateWebhookName(name: unknown, path: string): FieldError[] {
  if (typeof name !== 'string' || name === '') return [fieldError.required(path)];
  const errs = isDNS1123Subdomain(name).map((m) => fieldError.invalid(path, name, m));
  if (errs.length === 0 && name.split('.').length < 3) errs.push(fieldError.invalid(path, name, 'should be a domain with at least three segments separated by dots'));
  return errs;
}

function validateList(values: unknown, path: string, what: string, each?: (v: string, p: string) => FieldError[]): FieldError[] {
  const list = asArray<unknown>(values);
  if (list.length === 0) return [fieldError.required(path)];
  const errs: FieldError[] = [];
  if (list.length > 1 && list.includes('*')) errs.push(fieldError.invalid(path, list, `if '*' is present, must not specify other ${what}`));
  list.forEach((v, i) => {
    if (typeof v !== 'string') errs.push(fieldError.typeInvalid(`${path}[${i}]`, v, 'must be a string'));
    else if (each) errs.push(...each(v, `${path}[${i}]`));
  });
  return errs;
}

function validateResources(values: unknown, path: string): FieldError[] {
  const list = asArray<unknown>(values).filter((v): v is string => typeof v === 'string');
  if (asArray(values).length === 0) return [fieldError.required(path)];
  const errs: FieldError[] = [];
  const seenSub = new Set<string>();
  const wholeResources = new Set<string>();
  list.forEach((r, i) => {
    if (r === '') errs.push(fieldError.required(`${path}[${i}]`));
    if (r === '*/*' && list.length > 1) errs.push(fieldError.invalid(`${path}[${i}]`, r, "if '*/*' is present, must not specify other resources"));
    const [res, sub, extra] = r.split('/');
    if (extra !== undefined) errs.push(fieldError.invalid(`${path}[${i}]`, r, "must be a resource or a resource/subresource, with at most one '/'"));
    if (sub === undefined) wholeResources.add(res!);
    else seenSub.add(sub);
  });
  if (wholeResources.has('*') && list.some((r) => r !== '*' && !r.includes('/'))) {
    errs.push(fieldError.invalid(path, list, "if '*' is present, must not specify other resources without subresources"));
  }
  for (const r of list) {
    const [res, sub] = r.split('/');
    if (sub !== undefined && res !== '*' && list.includes(`*/${sub}`)) errs.push(fieldError.invalid(path, r, `if '*/${sub}' is present, must not specify ${r}`));
    if (sub === '*' && res !== '*' && list.some((o) => o !== r && o.startsWith(`${res}/`))) {
      errs.push(fieldError.invalid(path, r, `if '${res}/*' is present, must not specify ${res}'s other subresources`));
    }
  }
  return errs;
}

export function validateRule(rule: unknown, path: string): FieldError[] {
  if (!isObject(rule)) return [fieldError.typeInvalid(path, rule, 'must be an object')];
  const errs: FieldError[] = [];
  errs.push(...validateList(rule.operations, `${path}.operations`, 'operations', (v, p) => (OPERATIONS.includes(v) ? [] : [fieldError.notSupported(p, v, OPERATIONS)])));
  errs.push(...validateList(rule.apiGroups, `${path}.apiGroups`, 'API groups'));
  errs.push(...validateList(rule.apiVersions, `${path}.apiVersions`, 'API versions', (v, p) => (v === '' ? [fieldError.required(p, 'must not be empty')] : [])));
  errs.push(...validateResources(rule.resources, `${path}.resources`));
  if (rule.scope !== undefined && !SCOPES.includes(String(rule.scope))) errs.push(fieldError.notSupported(`${path}.scope`, rule.scope, SCOPES));
  return errs;
}

export function validateEnum(value: unknown, path: string, allowed: readonly string[]): FieldError[] {
  return value === undefined || allowed.includes(String(value)) ? [] : [fieldError.notSupported(path, value, allowed)];
}

function validateWebhook(hook: Json, path: string, mutating: boolean): FieldError[] {
  const errs = validateWebhookName(hook.name, `${path}.name`);
  asArray(hook.rules).forEach((r, i) => errs.push(...validateRule(r, `${path}.rules[${i}]`)));
  errs.push(...validateEnum(hook.failurePolicy, `${path}.failurePolicy`, FAILURE_POLICIES));
  errs.push(...validateEnum(hook.matchPolicy, `${path}.matchPolicy`, MATCH_POLICIES));
  if (mutating) errs.push(...validateEnum(hook.reinvocationPolicy, `${path}.reinvocationPolicy`, REINVOCATION_POLICIES));
  if (hook.sideEffects === undefined || hook.sideEffects === null || hook.sideEffects === '') {
    errs.push(fieldError.required(`${path}.sideEffects`, `must specify one of ${SIDE_EFFECTS.join(', ')}`));
  } else errs.push(...validateEnum(hook.sideEffects, `${path}.sideEffects`, SIDE_EFFECTS));
  const versions = asArray<unknown>(hook.admissionReviewVersions);
  if (versions.length === 0) {
    errs.push(fieldError.required(`${path}.admissionReviewVersions`, `must specify one of ${REVIEW_VERSIONS.join(', ')}`));
  } else {
    const seen = new Set<unknown>();
    versions.forEach((v, i) => {
      if (seen.has(v)) errs.push(fieldError.invalid(`${path}.admissionReviewVersions[${i}]`, v, 'duplicate version'));
      seen.add(v);
    });
    if (!versions.some((v) => REVIEW_VERSIONS.includes(String(v)))) {
      errs.push(fieldError.invalid(`${path}.admissionReviewVersions`, versions, `must include at least one of ${REVIEW_VERSIONS.join(', ')}`));
    }
  }
  const timeout = hook.timeoutSeconds;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 30)) {
    errs.push(fieldError.invalid(`${path}.timeoutSeconds`, timeout, 'the timeout value must be between 1 and 30 seconds'));
  }
  errs.push(...validateLabelSelector(hook.namespaceSelector as LabelSelector | undefined, `${path}.namespaceSelector`));
  errs.push(...validateLabelSelector(hook.objectSelector as LabelSelector | undefined, `${path}.objectSelector`));
  errs.push(...validateMatchConditions(hook.matchConditions, `${path}.matchConditions`, WEBHOOK_MATCH_VARIABLES));
  errs.push(...validateWebhookClientConfig(hook.clientConfig, `${path}.clientConfig`));
  return errs;
}

const validateFor = (mutating: boolean) => (obj: KObject, ctx: ValidationContext): FieldError[] => {
  const errs = validateMeta(obj, { namespaced: false, nameFn: nameIsDNSSubdomain }, ctx.old);
  if (obj.webhooks !== undefined && obj.webhooks !== null && !Array.isArray(obj.webhooks)) {
    return [...errs, fieldError.typeInvalid('webhooks', obj.webhooks, 'must be a list')];
  }
  const names = new Set<string>();
  asArray<unknown>(obj.webhooks).forEach((hook, i) => {
    const path = `webhooks[${i}]`;
    if (!isObject(hook)) {
      errs.push(fieldError.typeInvalid(path, hook, 'must be an object'));
      return;
    }
    errs.push(...validateWebhook(hook, path, mutating));
    if (typeof hook.name === 'string' && hook.name !== '') {
      if (names.has(hook.name)) errs.push(fieldError.duplicate(`${path}.name`, hook.name));
      names.add(hook.name);
    }
  });
  return errs;
};

export const webhookConfigurationTable: TableConvertor = {
  columns: [nameColumn(), column('Webhooks', 'integer', 'Webhooks indicates the number of webhooks in this configuration.'), ageColumn()],
  cells(obj: KObject, now: Date) {
    return [obj.metadata.name ?? '', asArray(obj.webhooks).length, ageOf(obj.metadata.creationTimestamp, now)];
  },
};

const base = {
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  namespaced: false,
  generation: true,
  table: webhookConfigurationTable,
} as const;

export const validatingWebhookConfiguration: ResourceDescriptor = {
  ...base,
  kind: 'ValidatingWebhookConfiguration',
  listKind: 'ValidatingWebhookConfigurationList',
  plural: 'validatingwebhookconfigurations',
  singular: 'validatingwebhookconfiguration',
  categories: ['api-extensions'],
  defaults: defaultsFor(false),
  validate: validateFor(false),
};

export const mutatingWebhookConfiguration: ResourceDescriptor = {
  ...base,
  kind: 'MutatingWebhookConfiguration',
  listKind: 'MutatingWebhookConfigurationList',
  plural: 'mutatingwebhookconfigurations',
  singular: 'mutatingwebhookconfiguration',
  categories: ['api-extensions'],
  defaults: defaultsFor(true),
  validate: validateFor(true),
};

/** Field tables (registry/fields) for unknown-field checks. */
export const webhookConfigurationTypes = {
  ValidatingWebhookConfiguration: 'apiVersion kind metadata:ObjectMeta webhooks:[ValidatingWebhook]',
  MutatingWebhookConfiguration: 'apiVersion kind metadata:ObjectMeta webhooks:[MutatingWebhook]',
  ValidatingWebhook:
    'name clientConfig:WebhookClientConfig rules:[RuleWithOperations] failurePolicy matchPolicy namespaceSelector:LabelSelector ' +
    'objectSelector:LabelSelector sideEffects timeoutSeconds:int admissionReviewVersions:[string] matchConditions:[MatchCondition]',
  MutatingWebhook:
    'name clientConfig:WebhookClientConfig rules:[RuleWithOperations] failurePolicy matchPolicy namespaceSelector:LabelSelector ' +
    'objectSelector:LabelSelector sideEffects timeoutSeconds:int admissionReviewVersions:[string] reinvocationPolicy matchConditions:[MatchCondition]',
  WebhookClientConfig: 'url service:WebhookServiceReference caBundle:bytes',
  WebhookServiceReference: 'namespace name path port:int',
  RuleWithOperations: 'operations:[string] apiGroups:[string] apiVersions:[string] resources:[string] scope',
  MatchCondition: 'name expression',
};
