// Label and field selectors, compiled into one predicate over objects (400 BadRequest when malformed).
import type { ResourceDescriptor } from '../../registry/types.js';
import type { ObjectFilter } from '../store/object-store.js';
import { storedTextNeedles } from './filter-needles.js';
import { errors } from '../errors.js';
import { parseLabelSelector, SelectorError, type CompiledLabelSelector } from '../../registry/selectors/label.js';
import { allowedFieldNames, fieldSetOf, parseFieldSelector, type CompiledFieldSelector } from '../../registry/selectors/field.js';

const allowedCache = new WeakMap<ResourceDescriptor, string[]>();

function allowedFields(d: ResourceDescriptor): string[] {
  let allowed = allowedCache.get(d);
  if (!allowed) allowedCache.set(d, (allowed = allowedFieldNames(d)));
  return allowed;
}

export interface Selectors {
  labelSelector?: string | null;
  fieldSelector?: string | null;
}

/** The selectors of a request's query string. */
export const selectorsOf = (query: URLSearchParams): Selectors => ({ labelSelector: query.get('labelSelector'), fieldSelector: query.get('fieldSelector') });

export function buildFilter(d: ResourceDescriptor, selectors: Selectors): ObjectFilter | undefined {
  const labelText = selectors.labelSelector ?? '';
  const fieldText = selectors.fieldSelector ?? '';
  let labels: CompiledLabelSelector | undefined;
  let fields: CompiledFieldSelector | undefined;
  try {
    if (labelText.trim() !== '') labels = parseLabelSelector(labelText);
    if (fieldText.trim() !== '') fields = parseFieldSelector(fieldText, { allowedFields: allowedFields(d) });
  } catch (err) {
    if (err instanceof SelectorError) throw errors.badRequest(err.message);
    throw err;
  }
  if (!labels && !fields) return undefined;
  const labelMatch = labels?.matches;
  const fieldMatch = fields?.matches;
  const filter: ObjectFilter = (obj) => (!labelMatch || labelMatch(obj.metadata.labels)) && (!fieldMatch || fieldMatch(fieldSetOf(d, obj)));
  filter.needles = storedTextNeedles(d, labels, fields);
  return filter;
}
