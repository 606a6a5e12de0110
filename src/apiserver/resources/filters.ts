// Label and field selectors from the query string, compiled into one predicate over objects.
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

export function buildFilter(d: ResourceDescriptor, query: URLSearchParams): ((obj: KObject) => boolean) | undefined {
  const labelText = query.get('labelSelector') ?? '';
  const fieldText = query.get('fieldSelector') ?? '';
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
