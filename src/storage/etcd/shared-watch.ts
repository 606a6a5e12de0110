// One etcd watch over the cluster's whole key space, shared by every Backend watch that starts at or
// after what it has seen, through the shared watch hub. An API server holds a hundred or more watches
// (every informer, every client watch); with a stream each, etcd sends every event once per matching
// stream, each with its previous value, and this process decodes each copy (protobuf, then JSON per
// watcher). Shared, each event crosses the wire and is decoded once, and the hub hands the same objects
// to every watcher, whose decoded form the API layer caches per KeyValue.
//
// A watch from before the feed's view is served from the last RECENT events it keeps; one from further
// back gets a stream of its own (etcd replays history), as every watch did before. Both paths give the
// interface's promise: every event after afterRevision, in order, no gap, no duplicate.

import type { StorageError, StorageEvent, WatchHandle, WatchListener } from '../backend.js';
import { WatchHub } from '../watch-hub.js';
import type { EtcdClient } from './etcd-client.js';
import { startWatch } from './etcd-watch.js';
import type { KeySpace } from './key-space.js';
import type { Warn } from './throttled-warning.js';

/** Events kept for watches that start a little behind the feed (a list, then a watch from its revision
 *  while writes go on): about 1-3 MB of 1 KB objects with their previous values. */
const RECENT = 1000;

export class SharedWatchFeed {
  private readonly hub = new WatchHub();
  private stream?: WatchHandle;
  /** Every event of the key space up to this revision has been published. */
  private cursor: number;
  /** The last events published, oldest first: every event in (recentFrom, cursor]. */
  private recent: StorageEvent[] = [];
  private recentFrom: number;
  /** Received, not yet published: see publishSoon. */
  private pending: StorageEvent[] = [];
  private closed = false;

  private constructor(
    private readonly o: { client: EtcdClient; keys: KeySpace; warn: Warn; onStopped: () => void },
    startRevision: number,
  ) {
    this.cursor = startRevision;
    this.recentFrom = startRevision;
  }

  /** Starts after `startRevision` (the current one); resolves once etcd has accepted the watch.
   *  `onStopped` is called if the feed stops for good (history it needed was compacted while it was
   *  disconnected): its watchers have been ended with that error, and the next watch should start a
   *  new feed. */
  static async start(o: { client: EtcdClient; keys: KeySpace; warn: Warn; onStopped: () => void }, startRevision: number): Promise<SharedWatchFeed> {
    const feed = new SharedWatchFeed(o, startRevision);
    const range = o.keys.range('')!;
    feed.stream = await startWatch({
      client: o.client, keys: o.keys, prefix: '', range, afterRevision: startRevision, warn: o.warn, name: 'the shared storage watch',
      listener: (events) => feed.publishSoon(events),
      onError: (err) => feed.stop(err),
    });
    return feed;
  }

  /** Registers a watcher if the feed can serve it (synchronously: no event can fall in between), or
   *  returns undefined when afterRevision is older than what the feed still holds. */
  tryAdd(prefix: string, afterRevision: number, listener: WatchListener, onError?: (err: StorageError) => void): WatchHandle | undefined {
    if (this.closed || afterRevision < this.recentFrom) return undefined;
    const backlog: StorageEvent[] = [];
    if (afterRevision < this.cursor) {
      for (const e of this.recent) if (e.kv.modRevision > afterRevision && e.kv.key.startsWith(prefix)) backlog.push(e);
    }
    return this.hub.add({ prefix, afterRevision, onError }, listener, backlog);
  }

  close(): void {
    this.closed = true;
    this.stream?.cancel();
    this.hub.closeAll();
    this.recent = [];
  }

  /** etcd often sends a write's event in the same read as the write's answer. Published at once, every
   *  watcher would handle it before the write's HTTP response goes out; after this turn of the event
   *  loop, the response goes first (a create one at a time is that much faster) and the events of
   *  several writes reach the watchers as one batch. Watches promise order, not timing. */
  private publishSoon(events: StorageEvent[]): void {
    if (this.pending.length === 0) setImmediate(() => this.flush());
    for (const e of events) this.pending.push(e);
  }

  private flush(): void {
    const events = this.pending;
    this.pending = [];
    if (events.length > 0) this.publish(events);
  }

  private publish(events: StorageEvent[]): void {
    if (this.closed) return;
    this.cursor = events.at(-1)!.kv.modRevision;
    this.recent.push(...events);
    if (this.recent.length > RECENT * 2) {
      const dropped = this.recent.splice(0, this.recent.length - RECENT);
      this.recentFrom = dropped.at(-1)!.kv.modRevision;
    }
    this.hub.publish(events);
  }

  private stop(err: StorageError): void {
    // The stream's own warning has said why; its watchers end as a stream-per-watch would have:
    // through their onError, after the events they had queued.
    this.flush();
    this.hub.failAll(err);
    this.close();
    this.o.onStopped();
  }
}
