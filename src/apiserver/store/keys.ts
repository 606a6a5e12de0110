// Storage keys: /registry/<group or "core">/<plural>/[<namespace>/]<name>. Names and namespaces
// cannot hold '/', so a namespace's prefix never matches another namespace's keys.
import type { ResourceDescriptor } from '../../registry/types.js';

const base = (d: ResourceDescriptor) => `/registry/${d.group || 'core'}/${d.plural}/`;

export function objectKey(d: ResourceDescriptor, namespace: string | undefined, name: string): string {
  return d.namespaced ? `${base(d)}${namespace}/${name}` : `${base(d)}${name}`;
}

/** The prefix of every object of a kind, or of those in one namespace. */
export function listPrefix(d: ResourceDescriptor, namespace?: string): string {
  return d.namespaced && namespace !== undefined ? `${base(d)}${namespace}/` : base(d);
}
