// REST paths of the Kubernetes API: the core group under /api/v1, every other group under
// /apis/<group>/<version>; namespaced objects under /namespaces/<ns>/.
import type { ResourceType } from './types.js';

export interface ObjectAddress {
  namespace?: string;
  name?: string;
  subresource?: string;
}

export function resourcePath(t: ResourceType, at: ObjectAddress = {}): string {
  let path = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  if (at.namespace) path += `/namespaces/${encodeURIComponent(at.namespace)}`;
  path += `/${t.resource}`;
  if (at.name !== undefined) {
    // An empty name would turn a get into a list of the collection.
    if (at.name === '') throw new Error(`a ${t.resource} name must not be empty`);
    path += `/${encodeURIComponent(at.name)}`;
  }
  if (at.subresource) path += `/${at.subresource}`;
  return path;
}

/** Adds the parameters that are set; undefined and empty values are left out. */
export function withQuery(path: string, params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `${path}?${text}` : path;
}
