// One cache per kind for everything on a node that follows the cluster (the service proxy, DNS, the
// overlay, network policy): a single list-watch each, however many parts read it. Readers get the
// current objects and a call when anything changed; a relist reports exactly what it changed.
import type { KObject } from '../registry/types.js';
import { listAndWatch } from './list-watch.js';
import type { Client, ResourceType } from './types.js';

export interface InformerChange<T extends KObject = KObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: T;
  /** The object before a MODIFIED. */
  old?: T;
}

/** What readers of a kind see; a node's parts take these, so tests hand in `MemoryInformer`s. */
export interface Informer<T extends KObject = KObject> {
  /** Resolves once the first list is in. */
  readonly synced: Promise<void>;
  list(): T[];
  get(namespace: string | undefined, name: string): T | undefined;
  /** Called after each change, in order; returns a function that stops the calls. */
  subscribe(listener: (change: InformerChange<T>) => void): () => void;
}

const keyOf = (o: KObject) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!);

/** The store and the fan-out; filled by hand in tests, by a list-watch in `startInformer`. */
export class MemoryInformer<T extends KObject = KObject> implements Informer<T> {
  private readonly objects = new Map<string, T>();
  private readonly listeners = new Set<(change: InformerChange<T>) => void>();
  private markSynced!: () => void;
  readonly synced = new Promise<void>((resolve) => (this.markSynced = resolve));

  constructor(initial?: T[]) {
    if (initial) this.replace(initial);
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.objects.get(namespace ? `${namespace}/${name}` : name);
  }

  subscribe(listener: (change: InformerChange<T>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds or replaces one object. */
  set(object: T): void {
    const key = keyOf(object);
    const old = this.objects.get(key);
    if (old && old.metadata.resourceVersion !== undefined && old.metadata.resourceVersion === object.metadata.resourceVersion) return;
    this.objects.set(key, object);
    this.emit(old ? { type: 'MODIFIED', object, old } : { type: 'ADDED', object });
  }

  delete(object: T): void {
    const key = keyOf(object);
    const old = this.objects.get(key);
    if (!old) return;
    this.objects.delete(key);
    this.emit({ type: 'DELETED', object: old });
  }

  /** Everything that exists now: what is absent was deleted while nobody watched. */
  replace(items: T[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(keyOf(item));
      this.set(item);
    }
    for (const [key, old] of [...this.objects]) if (!seen.has(key)) this.delete(old);
    this.markSynced();
  }

  private emit(change: InformerChange<T>): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // One reader's bug must not starve the others of changes.
      }
    }
  }
}

export interface InformerOptions {
  fieldSelector?: string;
  retryMs?: number;
  onError?(err: unknown): void;
}

/** A cache of one kind, kept by a list-watch until `signal` aborts. Returns at once; await `synced`. */
export function startInformer<T extends KObject = KObject>(client: Client, type: ResourceType, signal: AbortSignal, o: InformerOptions = {}): Informer<T> {
  const store = new MemoryInformer<T>();
  const start = () =>
    listAndWatch(
      {
        client,
        type,
        ...(o.fieldSelector ? { fieldSelector: o.fieldSelector } : {}),
        retryMs: o.retryMs,
        onList: (items) => store.replace(items as T[]),
        onEvent: (ev) => (ev.type === 'DELETED' ? store.delete(ev.object as T) : store.set(ev.object as T)),
        onError: o.onError,
      },
      signal,
    ).catch((err: unknown) => {
      // Only the first list can fail here (later ones retry inside); an agent may start before its server answers.
      o.onError?.(err);
      if (!signal.aborted) setTimeout(start, o.retryMs ?? 1000).unref?.();
    });
  void start();
  return store;
}

/** One informer per kind for a whole process: the first reader starts it, the others share it. */
export class InformerSet {
  private readonly informers = new Map<string, Informer>();

  constructor(private readonly client: Client, private readonly signal: AbortSignal, private readonly o: Omit<InformerOptions, 'fieldSelector'> = {}) {}

  for<T extends KObject = KObject>(type: ResourceType): Informer<T> {
    const key = `${type.group}/${type.version}/${type.resource}`;
    let informer = this.informers.get(key);
    if (!informer) {
      informer = startInformer(this.client, type, this.signal, this.o);
      this.informers.set(key, informer);
    }
    return informer as Informer<T>;
  }
}
