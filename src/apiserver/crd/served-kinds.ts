// The controllers that must reach every kind (garbage collection, namespace deletion) were given a
// list at start; custom resources come and go after. These keep such a list in step with the
// dynamic registry: storage versions only, since every version shares one set of objects.
import type { DynamicRegistry } from '../../registry/dynamic.js';
import type { ResourceDescriptor } from '../../registry/types.js';

export interface KindRef {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
}

const key = (k: { group: string; resource: string }) => `${k.group}/${k.resource}`;
const stored = (d: ResourceDescriptor) => !d.ephemeral && !d.conversion;
const refOf = (d: ResourceDescriptor): KindRef => ({ group: d.group, version: d.version, resource: d.plural, kind: d.kind, namespaced: d.namespaced });

/** Calls `added`/`removed` as stored kinds appear in or leave the registry (none for those present now). */
export function followStoredKinds(registry: DynamicRegistry, handlers: { added(k: KindRef): void; removed(k: KindRef): void }): () => void {
  let current = new Map(registry.descriptors.filter(stored).map((d) => [key(refOf(d)), refOf(d)]));
  return registry.subscribe(() => {
    const next = new Map(registry.descriptors.filter(stored).map((d) => [key(refOf(d)), refOf(d)]));
    for (const [k, ref] of current) if (!next.has(k)) handlers.removed(ref);
    for (const [k, ref] of next) if (!current.has(k)) handlers.added(ref);
    current = next;
  });
}

/** An array of the namespaced stored kinds, changed in place, for a controller that reads it whenever it acts. */
export function liveNamespacedTypes(registry: DynamicRegistry): Array<{ group: string; version: string; resource: string }> {
  const list = registry.descriptors.filter((d) => stored(d) && d.namespaced).map((d) => ({ group: d.group, version: d.version, resource: d.plural }));
  followStoredKinds(registry, {
    added: (k) => {
      if (k.namespaced) list.push({ group: k.group, version: k.version, resource: k.resource });
    },
    removed: (k) => {
      const i = list.findIndex((t) => t.group === k.group && t.resource === k.resource);
      if (i >= 0) list.splice(i, 1);
    },
  });
  return list;
}
