// A watch over one kind as typed events, shared by the HTTP watch handler and the in-process client:
// optional replay of the current state, then every change after a revision, with selector
// transitions turned into ADDED/DELETED the way the upstream watch cache does.
import type { KObject, ResourceDescriptor } from '../../registry/types.js';
import type { KeyValue, StorageEvent } from '../../storage/backend.js';
import { decodeObject } from '../store/codec.js';
import { storedTextMayMatch, type ObjectFilter } from '../store/object-store.js';
import { listPrefix } from '../store/keys.js';
import type { ResourceContext } from './context.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ObjectEvent {
  type: WatchEventType;
  object: KObject;
  /** The stored record behind the event (absent for replayed state): lets callers cache per event. */
  kv?: KeyValue;
}

export interface WatchSourceOptions {
  namespace?: string;
  filter?: ObjectFilter;
  /** Replay the current state as ADDED first ("" / "0" in the API), or start after this revision. */
  from: { replay: true } | { afterRevision: number };
}

export interface OpenWatch {
  /** The revision the stream starts after (the replayed list's revision when replaying). */
  readonly startRevision: number;
  cancel(): void;
}

// Decoded once per stored event, however many watchers see it.
const decoded = new WeakMap<KeyValue, KObject>();

export function objectOf(kv: KeyValue): KObject {
  let obj = decoded.get(kv);
  if (!obj) {
    obj = decodeObject(kv);
    decoded.set(kv, obj);
  }
  return obj;
}

/** Throws StorageError('Compacted') when `afterRevision` is older than the kept history. Objects
 *  handed to `onEvent` are shared between watchers: never mutate them. */
export async function openWatch(
  ctx: Pick<ResourceContext, 'store'>,
  d: ResourceDescriptor,
  opts: WatchSourceOptions,
  onEvent: (ev: ObjectEvent) => void,
): Promise<OpenWatch> {
  const { filter } = opts;
  let afterRevision: number;
  if ('replay' in opts.from) {
    const page = await ctx.store.list(d, { namespace: opts.namespace, filter });
    afterRevision = Number(page.resourceVersion);
    for (const object of page.items) onEvent({ type: 'ADDED', object });
  } else {
    afterRevision = opts.from.afterRevision;
  }
  // A version other than the stored one converts per watcher; the stored one shares the decoding.
  const seen = d.conversion ? (kv: KeyValue) => d.conversion!.fromStored(objectOf(kv)) : objectOf;
  // A hundred kubelets watch pods by node: most events are ruled out by their text alone.
  const accepts = (kv: KeyValue) => storedTextMayMatch(d, filter, kv.value) && filter!(seen(kv));
  const onEvents = (events: StorageEvent[]) => {
    for (const ev of events) {
      const object = seen(ev.kv);
      const kv = ev.kv;
      if (!filter) {
        onEvent({ type: ev.type === 'create' ? 'ADDED' : ev.type === 'update' ? 'MODIFIED' : 'DELETED', object, kv });
        continue;
      }
      const now = accepts(kv);
      const before = ev.prev ? accepts(ev.prev) : false;
      if (ev.type === 'create') {
        if (now) onEvent({ type: 'ADDED', object, kv });
      } else if (ev.type === 'delete') {
        if (now || before) onEvent({ type: 'DELETED', object, kv });
      } else if (now && before) onEvent({ type: 'MODIFIED', object, kv });
      else if (now) onEvent({ type: 'ADDED', object, kv });
      else if (before) onEvent({ type: 'DELETED', object, kv });
    }
  };
  const handle = await ctx.store.backend.watch({ prefix: listPrefix(d, opts.namespace), afterRevision }, onEvents);
  return { startRevision: afterRevision, cancel: () => handle.cancel() };
}
