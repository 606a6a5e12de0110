// The controllers' shared view of one kind (pods, in practice): every object, indexed by namespace,
// kept current by one list-and-watch and read without a request. A ReplicaSet reconcile used to
// LIST and decode every pod of its namespace: quadratic in a burst, and with tens of thousands of
// pods the controller alone saturated the server. Objects handed out are shared: clone to change.
import { listAndWatch } from '../../client/list-watch.js';
import type { Client, ResourceType, WatchEvent } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';

export type CacheListener = (ev: WatchEvent) => void;

export interface ObjectCache {
  /** Objects of one namespace (or every one), in no particular order. */
  list(namespace?: string): KObject[];
  get(namespace: string | undefined, name: string): KObject | undefined;
  /** Called for every change, after the cache has applied it; a re-list reports what it found
   *  added, changed or gone. Returns the unsubscriber. */
  subscribe(listener: CacheListener): () => void;
}

export async function startObjectCache(o: { client: Client; type: ResourceType; onError?(err: unknown): void }, signal: AbortSignal): Promise<ObjectCache> {
  const byNamespace = new Map<string, Map<string, KObject>>();
  const listeners = new Set<CacheListener>();
  const emit = (ev: WatchEvent) => {
    for (const l of listeners) l(ev);
  };
  const bucket = (ns: string | undefined) => {
    let b = byNamespace.get(ns ?? '');
    if (!b) byNamespace.set(ns ?? '', (b = new Map()));
    return b;
  };
  const apply = (ev: WatchEvent) => {
    const m = ev.object.metadata;
    if (ev.type === 'DELETED') {
      const b = byNamespace.get(m.namespace ?? '');
      b?.delete(m.name!);
      if (b?.size === 0) byNamespace.delete(m.namespace ?? '');
    } else bucket(m.namespace).set(m.name!, ev.object);
    emit(ev);
  };
  await listAndWatch(
    {
      client: o.client,
      type: o.type,
      onError: o.onError,
      onList(items) {
        const current = new Set<KObject>();
        for (const obj of items) {
          const m = obj.metadata;
          const known = byNamespace.get(m.namespace ?? '')?.get(m.name!);
          if (known && known.metadata.resourceVersion === m.resourceVersion) {
            current.add(known);
            continue;
          }
          apply({ type: known ? 'MODIFIED' : 'ADDED', object: obj });
          current.add(obj);
        }
        for (const b of [...byNamespace.values()]) for (const obj of [...b.values()]) if (!current.has(obj)) apply({ type: 'DELETED', object: obj });
      },
      onEvent: apply,
    },
    signal,
  );
  return {
    list(namespace) {
      if (namespace !== undefined) return [...(byNamespace.get(namespace)?.values() ?? [])];
      return [...byNamespace.values()].flatMap((b) => [...b.values()]);
    },
    get: (namespace, name) => byNamespace.get(namespace ?? '')?.get(name),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
