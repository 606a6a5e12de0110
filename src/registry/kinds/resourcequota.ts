// core/v1 ResourceQuota: hard limits on what one namespace may hold. The quota admission
// (apiserver/admission/resource-quota.ts) charges each create against status.used; the usage
// controller (controllers/resource-quota.ts) recounts status.used and mirrors spec.hard.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, TableConvertor, ValidationContext } from '../types.js';
import { asObject, isObject } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { isQualifiedName, nameIsDNSSubdomain } from '../validation/names.js';
import { QUANTITY_FORMAT_MESSAGE } from '../validation/quantity.js';
import { ageOf } from '../tables/age.js';
import { ageColumn, column, nameColumn } from '../tables/common.js';
import { amountsOf, formatAmount, parseAmount } from '../quota/quantity.js';
import { SCOPES } from '../quota/scopes.js';

const SCOPE_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
/** Scopes about a pod's lifetime or QoS bound only what pods consume. */
const POD_ONLY_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort'];
const BEST_EFFORT_RESOURCES = ['pods', 'count/pods'];

/** Counts (and every non-compute name) must be whole numbers. */
const isIntegerResource = (name: string) => !/^(requests\.|limits\.)?(cpu|memory|ephemeral-storage|storage)$/.test(name) && !name.startsWith('hugepages-') && !name.startsWith('requests.hugepages-') && !name.endsWith('/requests.storage');

export function validateResourceList(list: unknown, path: string, opts: { integerCounts?: boolean } = {}): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, value] of Object.entries(asObject(list))) {
    const at = `${path}[${name}]`;
    const key = name.startsWith('count/') ? name.slice('count/'.length) : name;
    for (const msg of isQualifiedName(key)) errs.push(fieldError.invalid(path, name, msg));
    const amount = parseAmount(value);
    if (!amount) {
      errs.push(fieldError.invalid(at, value, QUANTITY_FORMAT_MESSAGE));
      continue;
    }
    if (amount.milli < 0n) errs.push(fieldError.invalid(at, value, 'must be greater than or equal to 0'));
    else if (opts.integerCounts && isIntegerResource(name) && amount.milli % 1000n !== 0n) errs.push(fieldError.invalid(at, value, 'must be an integer'));
  }
  return errs;
}

function validateScopes(spec: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const scopes = Array.isArray(spec.scopes) ? (spec.scopes as unknown[]) : [];
  const names = new Set<string>();
  scopes.forEach((s, i) => {
    if (!SCOPES.includes(s as string)) errs.push(fieldError.notSupported(`spec.scopes[${i}]`, s, SCOPES));
    names.add(s as string);
  });
  const exprs = Array.isArray(asObject(spec.scopeSelector).matchExpressions) ? (asObject(spec.scopeSelector).matchExpressions as unknown[]) : [];
  exprs.forEach((e, i) => {
    const r = asObject(e);
    const at = `spec.scopeSelector.matchExpressions[${i}]`;
    if (!SCOPES.includes(r.scopeName as string)) errs.push(fieldError.notSupported(`${at}.scopeName`, r.scopeName, SCOPES));
    if (!SCOPE_OPERATORS.includes(r.operator as string)) errs.push(fieldError.notSupported(`${at}.operator`, r.operator, SCOPE_OPERATORS));
    const values = Array.isArray(r.values) ? r.values : [];
    if ((r.operator === 'In' || r.operator === 'NotIn') && values.length === 0) errs.push(fieldError.required(`${at}.values`, 'must be at least one value when `operator` is \'In\' or \'NotIn\' for scope selector'));
    if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && values.length > 0) errs.push(fieldError.invalid(`${at}.values`, values, 'must be no value when `operator` is \'Exist\' or \'DoesNotExist\' for scope selector'));
    names.add(r.scopeName as string);
  });
  if ((names.has('Terminating') && names.has('NotTerminating')) || (names.has('BestEffort') && names.has('NotBestEffort'))) {
    errs.push(fieldError.invalid('spec.scopes', scopes, 'conflicting scopes'));
  }
  const hard = Object.keys(asObject(spec.hard));
  if ([...names].some((n) => POD_ONLY_SCOPES.includes(n))) {
    const allowed = names.has('BestEffort') ? (n: string) => BEST_EFFORT_RESOURCES.includes(n) : (n: string) => /^(pods|count\/pods|(requests\.|limits\.)?(cpu|memory|ephemeral-storage)|requests\..*|hugepages-.*)$/.test(n);
    for (const n of hard) if (!allowed(n)) errs.push(fieldError.invalid('spec.hard', n, `unsupported scope applied to resource`));
  }
  return errs;
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const spec = asObject(obj.spec);
  errs.push(...validateResourceList(spec.hard, 'spec.hard', { integerCounts: true }));
  errs.push(...validateScopes(spec));
  return errs;
}

function validateStatus(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const status = asObject(obj.status);
  errs.push(...validateResourceList(status.hard, 'status.hard'), ...validateResourceList(status.used, 'status.used'));
  return errs;
}

function defaults(obj: KObject): void {
  if (!isObject(obj.spec)) obj.spec = {};
}

/** `kubectl get quota`: used/hard per resource, limits apart from the rest, as upstream prints. */
export const resourceQuotaTable: TableConvertor = {
  columns: [
    nameColumn(),
    ageColumn(),
    column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  cells(obj: KObject, now: Date) {
    const status = asObject(obj.status);
    const hard = amountsOf(status.hard);
    const used = amountsOf(status.used);
    const requests: string[] = [];
    const limits: string[] = [];
    for (const name of [...hard.keys()].sort()) {
      const cell = `${name}: ${formatAmount(used.get(name) ?? { milli: 0n, binary: false })}/${formatAmount(hard.get(name)!)}`;
      (name.startsWith('limits.') ? limits : requests).push(cell);
    }
    return [obj.metadata.name ?? '', ageOf(obj.metadata.creationTimestamp, now), requests.join(', '), limits.join(', ')];
  },
};

/** Field table entries (registry/fields). */
export const resourceQuotaTypes = {
  ResourceQuota: 'apiVersion kind metadata:ObjectMeta spec:ResourceQuotaSpec status:ResourceQuotaStatus',
  ResourceQuotaSpec: 'hard:{quantity} scopes:[string] scopeSelector:ScopeSelector',
  ScopeSelector: 'matchExpressions:[ScopedResourceSelectorRequirement]',
  ScopedResourceSelectorRequirement: 'scopeName operator values:[string]',
  ResourceQuotaStatus: 'hard:{quantity} used:{quantity}',
};

export const resourceQuota: ResourceDescriptor = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  listKind: 'ResourceQuotaList',
  plural: 'resourcequotas',
  singular: 'resourcequota',
  shortNames: ['quota'],
  namespaced: true,
  subresources: { status: true },
  generation: false,
  defaults,
  validate,
  validateStatus,
  table: resourceQuotaTable,
};
