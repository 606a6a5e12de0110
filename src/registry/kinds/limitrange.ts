// core/v1 LimitRange: per-namespace bounds and defaults for what containers, pods and claims ask.
// The LimitRanger admission (apiserver/admission/limit-ranger.ts) applies them to new pods and
// claims; this file defaults and validates the LimitRange itself, in upstream's words.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, TableConvertor, ValidationContext } from '../types.js';
import { asObject } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { column, nameColumn } from '../tables/common.js';
import { formatAmount, parseAmount, type Amount } from '../quota/quantity.js';
import { defaultLimitRangeItem, itemsOf, type LimitRangeItem } from '../quota/limit-range.js';
import { validateResourceList } from './resourcequota.js';

const TYPES = ['Container', 'Pod', 'PersistentVolumeClaim'];
const FIELDS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;
/** Extended resources and hugepages cannot be overcommitted: default and defaultRequest must agree. */
const overcommitAllowed = (k: string) => !k.startsWith('hugepages-') && (!k.includes('/') || k.startsWith('kubernetes.io/'));

function defaults(obj: KObject): void {
  for (const item of itemsOf(obj)) defaultLimitRangeItem(item);
}

function validateItem(item: LimitRangeItem, at: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!item.type) errs.push(fieldError.required(`${at}.type`));
  else if (!TYPES.includes(item.type)) errs.push(fieldError.notSupported(`${at}.type`, item.type, TYPES));
  for (const f of FIELDS) errs.push(...validateResourceList(item[f], `${at}.${f}`));
  if (item.type === 'Pod') {
    if (Object.keys(item.default ?? {}).length > 0) errs.push(fieldError.forbidden(`${at}.default`, "may not be specified when `type` is 'Pod'"));
    if (Object.keys(item.defaultRequest ?? {}).length > 0) errs.push(fieldError.forbidden(`${at}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
  }
  if (item.type === 'PersistentVolumeClaim' && item.min?.storage === undefined && item.max?.storage === undefined) {
    errs.push(fieldError.required(`${at}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
  }
  const keys = new Set(FIELDS.flatMap((f) => Object.keys(item[f] ?? {})));
  const get = (f: (typeof FIELDS)[number], k: string): Amount | undefined => (item[f]?.[k] !== undefined ? parseAmount(item[f]![k]) : undefined);
  const s = (a: Amount) => formatAmount(a);
  for (const k of [...keys].sort()) {
    const min = get('min', k);
    const max = get('max', k);
    const dflt = item.type === 'Pod' ? undefined : get('default', k);
    const dreq = item.type === 'Pod' ? undefined : get('defaultRequest', k);
    const ratio = get('maxLimitRequestRatio', k);
    if (min && max && min.milli > max.milli) errs.push(fieldError.invalid(`${at}.min[${k}]`, s(min), `min value ${s(min)} is greater than max value ${s(max)}`));
    if (dreq && min && min.milli > dreq.milli) errs.push(fieldError.invalid(`${at}.defaultRequest[${k}]`, s(dreq), `min value ${s(min)} is greater than default request value ${s(dreq)}`));
    if (dreq && max && dreq.milli > max.milli) errs.push(fieldError.invalid(`${at}.defaultRequest[${k}]`, s(dreq), `default request value ${s(dreq)} is greater than max value ${s(max)}`));
    if (dreq && dflt && dreq.milli > dflt.milli) errs.push(fieldError.invalid(`${at}.defaultRequest[${k}]`, s(dreq), `default request value ${s(dreq)} is greater than default limit value ${s(dflt)}`));
    if (dflt && min && min.milli > dflt.milli) errs.push(fieldError.invalid(`${at}.default[${k}]`, s(min), `min value ${s(min)} is greater than default value ${s(dflt)}`));
    if (dflt && max && dflt.milli > max.milli) errs.push(fieldError.invalid(`${at}.default[${k}]`, s(max), `default value ${s(dflt)} is greater than max value ${s(max)}`));
    if (ratio && ratio.milli < 1000n) errs.push(fieldError.invalid(`${at}.maxLimitRequestRatio[${k}]`, s(ratio), `ratio ${s(ratio)} is less than 1`));
    if (ratio && min && max && min.milli > 0n) {
      const limit = Number(max.milli) / Number(min.milli);
      if (Number(ratio.milli) / 1000 > limit) errs.push(fieldError.invalid(`${at}.maxLimitRequestRatio[${k}]`, s(ratio), `ratio ${s(ratio)} is greater than max/min = ${limit.toFixed(6)}`));
    }
    if (!overcommitAllowed(k) && dflt && dreq && dflt.milli !== dreq.milli) {
      errs.push(fieldError.invalid(`${at}.defaultRequest[${k}]`, s(dreq), `default value ${s(dflt)} must equal to defaultRequest value ${s(dreq)} in ${k}`));
    }
  }
  return errs;
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const seen = new Set<string>();
  itemsOf(obj).forEach((raw, i) => {
    const item = asObject(raw) as LimitRangeItem;
    const at = `spec.limits[${i}]`;
    if (item.type && seen.has(item.type)) errs.push(fieldError.duplicate(`${at}.type`, item.type));
    if (item.type) seen.add(item.type);
    errs.push(...validateItem(item, at));
  });
  return errs;
}

/** `kubectl get limits`: upstream shows only the name and when it was made (RFC 3339). */
export const limitRangeTable: TableConvertor = {
  columns: [nameColumn(), column('Created At', 'date', 'CreationTimestamp is a timestamp representing the server time when this object was created.')],
  cells(obj: KObject) {
    return [obj.metadata.name ?? '', obj.metadata.creationTimestamp ?? ''];
  },
};

/** Field table entries (registry/fields). */
export const limitRangeTypes = {
  LimitRange: 'apiVersion kind metadata:ObjectMeta spec:LimitRangeSpec',
  LimitRangeSpec: 'limits:[LimitRangeItem]',
  LimitRangeItem: 'type max:{quantity} min:{quantity} default:{quantity} defaultRequest:{quantity} maxLimitRequestRatio:{quantity}',
};

export const limitRange: ResourceDescriptor = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  listKind: 'LimitRangeList',
  plural: 'limitranges',
  singular: 'limitrange',
  shortNames: ['limits'],
  namespaced: true,
  generation: false,
  defaults,
  validate,
  table: limitRangeTable,
};
