// A small kind held in memory from one storage watch, for admission plugins that would otherwise
// read it from the datastore on every create: at 3,000 pods a burst made ~20,000 such lists of
// ResourceQuotas, LimitRanges and PriorityClasses, nearly all of them empty. On SQLite a commit
// reaches the watch before the write is answered, so a LimitRange created one request earlier is
// always seen; on a shared datastore the watch trails other servers' writes by milliseconds, as
// upstream's admission informers do. Until the first list is in, and after the watch failed or ended
// (history it owed was compacted), callers read the datastore as before; the next call lists again.
import type { KObject, ResourceDescriptor } from '../../registry/types.js';
import type { ObjectStore } from '../store/object-store.js';
import { openWatch, type OpenWatch } from '../resources/watch-source.js';

export interface WatchedKind {
  /** The kind's objects in `namespace` ('' for a cluster-scoped kind), or undefined while not in sync. */
  objects(namespace: string): KObject[] | undefined;
  /** One object, or undefined when it is not held (not in sync, or not seen yet: ask the datastore). */
  get(namespace: string, name: string): KObject | undefined;
}

export function watchedKind(store: ObjectStore, descriptor: () => ResourceDescriptor): WatchedKind {
  const byNamespace = new Map<string, Map<string, KObject>>();
  let synced = false;
  let starting: Promise<OpenWatch | undefined> | undefined;
  const start = () => {
    // What the ended watch held may be stale: forget it, and let the next call start over.
    const ended = () => {
      synced = false;
      byNamespace.clear();
      starting = undefined;
    };
    starting = openWatch({ store }, descriptor(), { from: { replay: true }, onError: ended }, (ev) => {
      const ns = ev.object.metadata.namespace ?? '';
      let objects = byNamespace.get(ns);
      if (ev.type === 'DELETED') {
        objects?.delete(ev.object.metadata.name!);
        if (objects?.size === 0) byNamespace.delete(ns);
        return;
      }
      if (!objects) byNamespace.set(ns, (objects = new Map()));
      objects.set(ev.object.metadata.name!, ev.object);
    }).then(
      (w) => ((synced = true), w),
      // A datastore that cannot watch now: the plugins keep reading it, and the next call tries again.
      () => ((starting = undefined), undefined),
    );
  };
  const inSync = () => {
    if (!starting) start();
    return synced;
  };
  return {
    objects: (namespace) => (inSync() ? [...(byNamespace.get(namespace)?.values() ?? [])] : undefined),
    get: (namespace, name) => (inSync() ? byNamespace.get(namespace)?.get(name) : undefined),
  };
}
