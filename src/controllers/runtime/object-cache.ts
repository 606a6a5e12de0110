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
  /** Objects whose controlling ownerReference has this uid, and a namespace's objects without a
   *  controller: all a controller's claim has to look at, instead of every object of the namespace. */
  controlledBy(uid: string): KObject[];
  orphans(namespace: string): KObject[];
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
  // Index buckets: a controller's uid, or `\0<namespace>` for objects nobody controls.
  const byController = new Map<string, Map<string, KObject>>();
  const bucketOf = new Map<string, string>();
  const index = (key: string, obj: KObject | undefined) => {
    const was = bucketOf.get(key);
    if (was !== undefined) {
      const b = byController.get(was)!;
      b.delete(key);
      if (b.size === 0) byController.delete(was);
      bucketOf.delete(key);
    }
    if (!obj) return;
    const uid = obj.metadata.ownerReferences?.find((r) => r.controller === true)?.uid;
    const to = uid ?? `\0${obj.metadata.namespace ?? ''}`;
    let b = byController.get(to);
    if (!b) byController.set(to, (b = new Map()));
    b.set(key, obj);
    bucketOf.set(key, to);
  };
  const apply = (ev: WatchEvent) => {
    const m = ev.object.metadata;
    const key = `${m.namespace ?? ''}/${m.name}`;
    if (ev.type === 'DELETED') {
      const b = byNamespace.get(m.namespace ?? '');
      b?.delete(m.name!);
      if (b?.size === 0) byNamespace.delete(m.namespace ?? '');
      index(key, undefined);
    } else {
      bucket(m.namespace).set(m.name!, ev.object);
      index(key, ev.object);
    }
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
    controlledBy: (uid) => [...(byController.get(uid)?.values() ?? [])],
    orphans: (namespace) => [...(byController.get(`\0${namespace}`)?.values() ?? [])],
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
