// rbac.authorization.k8s.io/v1: Role and ClusterRole (what may be done), RoleBinding and
// ClusterRoleBinding (who may do it). The API stores and checks them; apiserver/rbac/ reads them
// to authorize, and its admission plugin refuses grants the writer does not hold.
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { asArray, asObject, isObject, semanticEqual } from '../validation/common.js';
import { goStringSlice } from '../validation/go-value.js';
import { validateMeta } from '../validation/meta.js';
import { isDNS1123Subdomain, isPathSegmentName, nameIsPathSegment } from '../validation/names.js';
import { validateLabelSelector } from '../validation/selector.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
const SUBJECT_KINDS = ['ServiceAccount', 'User', 'Group'];

type Json = Record<string, unknown>;
const strings = (v: unknown): string[] => asArray<string>(v);

function validateRule(rule: Json, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (strings(rule.verbs).length === 0) errs.push(fieldError.required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = strings(rule.nonResourceURLs);
  if (urls.length > 0) {
    const rendered = goStringSlice(urls);
    if (namespaced) errs.push(fieldError.invalidGo(`${path}.nonResourceURLs`, rendered, 'namespaced rules cannot apply to non-resource URLs'));
    if (strings(rule.apiGroups).length > 0 || strings(rule.resources).length > 0 || strings(rule.resourceNames).length > 0) {
      errs.push(fieldError.invalidGo(`${path}.nonResourceURLs`, rendered, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (strings(rule.apiGroups).length === 0) errs.push(fieldError.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (strings(rule.resources).length === 0) errs.push(fieldError.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

const validateRules = (obj: KObject, namespaced: boolean): FieldError[] =>
  asArray<Json>(obj.rules).flatMap((r, i) => validateRule(asObject(r), namespaced, `rules[${i}]`));

function validateRole(obj: KObject, ctx: ValidationContext): FieldError[] {
  return [...validateMeta(obj, { namespaced: true, nameFn: nameIsPathSegment }, ctx.old), ...validateRules(obj, true)];
}

function validateClusterRole(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = [...validateMeta(obj, { namespaced: false, nameFn: nameIsPathSegment }, ctx.old), ...validateRules(obj, false)];
  if (isObject(obj.aggregationRule)) {
    const selectors = asArray<LabelSelector>(obj.aggregationRule.clusterRoleSelectors);
    if (selectors.length === 0) {
      errs.push(fieldError.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    }
    selectors.forEach((s, i) => errs.push(...validateLabelSelector(asObject(s) as LabelSelector, `aggregationRule.clusterRoleSelectors[${i}]`)));
  }
  return errs;
}

function validateSubject(s: Json, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = typeof s.name === 'string' ? s.name : '';
  const apiGroup = typeof s.apiGroup === 'string' ? s.apiGroup : '';
  if (name === '') errs.push(fieldError.required(`${path}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name !== '') for (const msg of isDNS1123Subdomain(name)) errs.push(fieldError.invalid(`${path}.name`, name, msg));
      if (apiGroup !== '') errs.push(fieldError.notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(fieldError.required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(fieldError.notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(fieldError.notSupported(`${path}.kind`, s.kind ?? '', SUBJECT_KINDS));
  }
  return errs;
}

const goRoleRef = (r: Json) => `rbac.RoleRef{APIGroup:${JSON.stringify(r.apiGroup ?? '')}, Kind:${JSON.stringify(r.kind ?? '')}, Name:${JSON.stringify(r.name ?? '')}}`;

function validateBinding(obj: KObject, ctx: ValidationContext, namespaced: boolean): FieldError[] {
  const errs = validateMeta(obj, { namespaced, nameFn: nameIsPathSegment }, ctx.old);
  const ref = asObject(obj.roleRef);
  if (ref.apiGroup !== RBAC_GROUP) errs.push(fieldError.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(String(ref.kind ?? ''))) errs.push(fieldError.notSupported('roleRef.kind', ref.kind ?? '', kinds));
  const refName = typeof ref.name === 'string' ? ref.name : '';
  if (refName === '') errs.push(fieldError.required('roleRef.name'));
  else for (const msg of isPathSegmentName(refName)) errs.push(fieldError.invalid('roleRef.name', refName, msg));
  asArray<Json>(obj.subjects).forEach((s, i) => errs.push(...validateSubject(asObject(s), namespaced, `subjects[${i}]`)));
  // A binding's role is what it means: changing it would silently re-grant; upstream asks for a new binding.
  if (ctx.old && !semanticEqual(asObject(ctx.old.roleRef), ref)) errs.push(fieldError.invalidGo('roleRef', goRoleRef(ref), 'cannot change roleRef'));
  return errs;
}

/** Upstream's v1 defaults: the RBAC group for User and Group subjects and for the role reference. */
function bindingDefaults(obj: KObject): void {
  if (isObject(obj.roleRef) && !obj.roleRef.apiGroup) obj.roleRef.apiGroup = RBAC_GROUP;
  for (const s of asArray<Json>(obj.subjects)) {
    if (isObject(s) && !s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = RBAC_GROUP;
  }
}

const common = { group: RBAC_GROUP, version: 'v1', generation: false } as const;

export const role: ResourceDescriptor = {
  ...common,
  kind: 'Role',
  listKind: 'RoleList',
  plural: 'roles',
  singular: 'role',
  namespaced: true,
  validate: validateRole,
};

export const clusterRole: ResourceDescriptor = {
  ...common,
  kind: 'ClusterRole',
  listKind: 'ClusterRoleList',
  plural: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  validate: validateClusterRole,
};

export const roleBinding: ResourceDescriptor = {
  ...common,
  kind: 'RoleBinding',
  listKind: 'RoleBindingList',
  plural: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  defaults: bindingDefaults,
  validate: (obj, ctx) => validateBinding(obj, ctx, true),
};

export const clusterRoleBinding: ResourceDescriptor = {
  ...common,
  kind: 'ClusterRoleBinding',
  listKind: 'ClusterRoleBindingList',
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  defaults: bindingDefaults,
  validate: (obj, ctx) => validateBinding(obj, ctx, false),
};
