// Fans committed events out to watchers; shared by every backend (SQLite, PostgreSQL, MySQL, and etcd's
// shared watch). Nothing here knows SQL: a backend publishes each committed batch (in revision order) and
// the hub hands every watcher the events under its prefix.
//
// Each watcher has its own queue drained in a microtask, so a listener is never called from inside a
// commit, a slow or throwing listener cannot disturb the others, and replayed history queued at
// registration always comes before live events queued later.

import type { StorageEvent, WatchHandle, WatchListener } from './backend.js';

class Watcher {
  private readonly queue: StorageEvent[][] = [];
  private scheduled = false;
  cancelled = false;

  constructor(
    readonly prefix: string,
    /** Events at or before this revision are not this watcher's (it asked to start later). */
    readonly afterRevision: number,
    private readonly listener: WatchListener,
  ) {}

  push(events: StorageEvent[]): void {
    if (this.cancelled || events.length === 0) return;
    if (events[0]!.kv.modRevision <= this.afterRevision) {
      events = events.filter((e) => e.kv.modRevision > this.afterRevision);
      if (events.length === 0) return;
    }
    this.queue.push(events);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    while (!this.cancelled && this.queue.length > 0) {
      const batch = this.queue.shift()!;
      try {
        this.listener(batch);
      } catch (err) {
        process.emitWarning(`storage watch listener threw; it keeps receiving events: ${String(err)}`);
      }
    }
    this.queue.length = 0;
  }
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();

  /** Registers a watcher whose first delivery is `backlog` (history replayed by the caller). The caller
   *  must read the backlog and call this without yielding, so no commit can fall between the two. */
  add(from: { prefix: string; afterRevision: number }, listener: WatchListener, backlog: StorageEvent[]): WatchHandle {
    const watcher = new Watcher(from.prefix, from.afterRevision, listener);
    this.watchers.add(watcher);
    watcher.push(backlog);
    return {
      cancel: () => {
        watcher.cancelled = true;
        this.watchers.delete(watcher);
      },
    };
  }

  /** Delivers one committed batch, already in revision order. */
  publish(events: StorageEvent[]): void {
    if (events.length === 0) return;
    for (const watcher of this.watchers) {
      const mine = watcher.prefix === '' ? events : events.filter((e) => e.kv.key.startsWith(watcher.prefix));
      watcher.push(mine);
    }
  }

  get size(): number {
    return this.watchers.size;
  }

  closeAll(): void {
    for (const watcher of this.watchers) watcher.cancelled = true;
    this.watchers.clear();
  }
}
