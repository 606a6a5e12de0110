// Label and field selectors, compiled into one predicate over objects (400 BadRequest when malformed).
import type { KObject, ResourceDescriptor } from '../../registry/types.js';
import { errors } from '../errors.js';
import { parseLabelSelector, SelectorError } from '../../registry/selectors/label.js';
import { allowedFieldNames, fieldSetOf, parseFieldSelector } from '../../registry/selectors/field.js';

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

export function buildFilter(d: ResourceDescriptor, selectors: Selectors): ((obj: KObject) => boolean) | undefined {
  const labelText = selectors.labelSelector ?? '';
  const fieldText = selectors.fieldSelector ?? '';
  let labelMatch: ((labels: Record<string, string> | undefined) => boolean) | undefined;
  let fieldMatch: ((fields: Record<string, string>) => boolean) | undefined;
  try {
    if (labelText.trim() !== '') labelMatch = parseLabelSelector(labelText).matches;
    if (fieldText.trim() !== '') fieldMatch = parseFieldSelector(fieldText, { allowedFields: allowedFields(d) }).matches;
  } catch (err) {
    if (err instanceof SelectorError) throw errors.badRequest(err.message);
    throw err;
  }
  if (!labelMatch && !fieldMatch) return undefined;
  return (obj) => (!labelMatch || labelMatch(obj.metadata.labels)) && (!fieldMatch || fieldMatch(fieldSetOf(d, obj)));
}
