// One Backend watch = one etcd Watch stream with prev_kv, started at afterRevision + 1. etcd replays
// history from there and continues live in revision order, which is exactly the interface's promise,
// so there is no hub here: each response's events are one batch for the listener.
//
// Resumption: when the stream breaks (member restarted, connection lost) the watch reopens — on the
// next member if there are several — from the revision after the last one it delivered, and drops
// anything at or before it, so the listener sees no gap and no duplicate. Progress notifications move
// that point forward for quiet watches, so a long outage does not ask for history compaction removed.
// If the resume point was compacted anyway, events are lost: the watch ends, with a warning and its
// onError, so its clients relist instead of waiting for events that will never come.
import { StorageError, type KeyValue, type StorageEvent, type WatchHandle, type WatchListener } from '../backend.js';
import type { EtcdClient, EtcdError, EtcdWatchStream } from './etcd-client.js';
import type { EtcdKeyValue, WatchEvent, WatchResponse } from './etcd-messages.js';
import type { KeyRange, KeySpace } from './key-space.js';
import type { Warn } from './throttled-warning.js';

export interface WatchStreamOptions {
  client: EtcdClient;
  keys: KeySpace;
  prefix: string;
  range: KeyRange;
  afterRevision: number;
  listener: WatchListener;
  /** Told once when the watch ends because history it still had to deliver was compacted. */
  onError?: (err: StorageError) => void;
  /** Where lost/resumed notices go (throttled by the backend: an etcd restart hits every watch). */
  warn: Warn;
  /** Delay before each reopen attempt, by attempt number (0-based). */
  retryDelayMs?: (attempt: number) => number;
  /** What the warnings call it (default: storage watch on "<prefix>"). */
  name?: string;
}

const defaultRetryDelay = (attempt: number) => Math.min(2000, 100 * 2 ** attempt);

export function toKeyValue(keys: KeySpace, kv: EtcdKeyValue): KeyValue {
  return { key: keys.decode(kv.key), value: kv.value.toString('utf8'), createRevision: kv.createRevision, modRevision: kv.modRevision };
}

/** `value` is decoded on first read (many list items never are: see KeyValue.bytes). */
const lazyValue: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: KeyValue) {
    const value = this.bytes!.toString('utf8');
    Object.defineProperty(this, 'value', { value, enumerable: true, writable: true, configurable: true });
    return value;
  },
  set(this: KeyValue, value: string) {
    Object.defineProperty(this, 'value', { value, enumerable: true, writable: true, configurable: true });
  },
};

/** A listed key-value with its bytes kept (see KeyValue.bytes). */
export function toListedKeyValue(keys: KeySpace, kv: EtcdKeyValue): KeyValue {
  const out = { key: keys.decode(kv.key), createRevision: kv.createRevision, modRevision: kv.modRevision } as KeyValue;
  Object.defineProperty(out, 'bytes', { value: kv.value, enumerable: false });
  return Object.defineProperty(out, 'value', lazyValue);
}

function toStorageEvent(keys: KeySpace, e: WatchEvent): StorageEvent {
  const prev = e.prevKv ? toKeyValue(keys, e.prevKv) : undefined;
  if (e.type === 'DELETE') {
    // etcd's delete event carries only the key and the delete's revision; the interface wants the
    // last state, stamped with that revision.
    const kv = prev
      ? { ...prev, modRevision: e.kv.modRevision }
      : { key: keys.decode(e.kv.key), value: '', createRevision: 0, modRevision: e.kv.modRevision };
    return prev ? { type: 'delete', kv, prev } : { type: 'delete', kv };
  }
  const kv = toKeyValue(keys, e.kv);
  const type = kv.createRevision === kv.modRevision ? 'create' : 'update';
  return prev && type === 'update' ? { type, kv, prev } : { type, kv };
}

class EtcdWatch implements WatchHandle {
  private stream?: EtcdWatchStream;
  private cancelled = false;
  private attempt = 0;
  private retryTimer?: NodeJS.Timeout;
  /** Every event up to here has been delivered (or was not this watch's). */
  private delivered: number;
  private warned = false;

  constructor(private readonly o: WatchStreamOptions) {
    this.delivered = o.afterRevision;
  }

  private get name(): string {
    return this.o.name ?? `storage watch on ${JSON.stringify(this.o.prefix)}`;
  }

  /** Resolves once etcd has created the watch; rejects if the first stream fails. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => this.open({ resolve, reject }));
  }

  private open(first?: { resolve: () => void; reject: (err: Error) => void }): void {
    let created = false;
    let ended = false;
    let stream: EtcdWatchStream | undefined;
    let endpoint = this.o.client.activeEndpoint;
    const fail = (err: Error) => {
      if (ended) return;
      ended = true;
      stream?.cancel();
      if (this.cancelled) return;
      if (first && !created) first.reject(err);
      else this.retry(err);
    };
    const onResponse = (resp: WatchResponse) => {
      if (this.cancelled || ended) return;
      if (resp.compactRevision > 0) {
        return fail(new StorageError('Compacted', `etcd compacted history to ${resp.compactRevision}; cannot watch after ${this.delivered}`, resp.compactRevision));
      }
      if (resp.canceled) return fail(new Error(`etcd ${endpoint} cancelled the watch on ${this.o.prefix}: ${resp.cancelReason || 'no reason given'}`));
      if (resp.created) {
        created = true;
        if (this.warned) this.o.warn('resumed', `${this.name} resumed on etcd ${endpoint} after revision ${this.delivered}`);
        this.attempt = 0;
        this.warned = false;
        first?.resolve();
      }
      this.deliver(resp);
    };
    const onEnd = (err: EtcdError | undefined) => fail(err ?? new Error(`etcd ${endpoint} closed the watch stream`));
    this.o.client.openWatchStream({ onResponse, onEnd }).then(
      (opened) => {
        stream = opened;
        endpoint = opened.endpoint;
        if (ended || this.cancelled) return opened.cancel();
        this.stream = opened;
        opened.send({
          createRequest: {
            key: this.o.range.key,
            rangeEnd: this.o.range.rangeEnd,
            startRevision: this.delivered + 1,
            prevKv: true,
            progressNotify: true,
          },
        });
      },
      (err: Error) => fail(err),
    );
  }

  private deliver(resp: WatchResponse): void {
    if (resp.events.length === 0) {
      // A progress notification: every event up to header.revision has been sent. The created
      // response's header is not one (history replay follows it).
      if (!resp.created && resp.header) this.delivered = Math.max(this.delivered, resp.header.revision);
      return;
    }
    const events = resp.events.filter((e) => e.kv.modRevision > this.delivered).map((e) => toStorageEvent(this.o.keys, e));
    if (events.length === 0) return;
    this.delivered = events.at(-1)!.kv.modRevision;
    try {
      this.o.listener(events);
    } catch (err) {
      process.emitWarning(`storage watch listener threw; it keeps receiving events: ${String(err)}`);
    }
  }

  private retry(err: Error): void {
    if (err instanceof StorageError && err.code === 'Compacted') {
      this.o.warn(
        'compacted',
        `${this.name} stopped: events after revision ${this.delivered} were compacted away while it was disconnected; its clients must relist`,
      );
      this.cancelled = true;
      try {
        this.o.onError?.(err);
      } catch (thrown) {
        process.emitWarning(`storage watch error listener threw: ${String(thrown)}`);
      }
      return;
    }
    if (!this.warned) {
      this.warned = true;
      this.o.warn('lost', `${this.name} lost its etcd stream (${err.message}); resuming after revision ${this.delivered}`);
    }
    const delay = (this.o.retryDelayMs ?? defaultRetryDelay)(this.attempt++);
    this.retryTimer = setTimeout(() => {
      if (!this.cancelled) this.open();
    }, delay);
  }

  cancel(): void {
    this.cancelled = true;
    clearTimeout(this.retryTimer);
    this.stream?.cancel();
  }
}

/** Opens a watch; resolves once etcd has accepted it. */
export async function startWatch(opts: WatchStreamOptions): Promise<WatchHandle> {
  const watch = new EtcdWatch(opts);
  await watch.start();
  return watch;
}
