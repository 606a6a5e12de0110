// Fans committed events out to watchers; shared by every backend (SQLite, PostgreSQL, MySQL, and etcd's
// shared watch). Nothing here knows SQL: a backend publishes each committed batch (in revision order) and
// the hub hands every watcher the events under its prefix.
//
// Each watcher has its own queue drained in a microtask, so a listener is never called from inside a
// commit, a slow or throwing listener cannot disturb the others, and replayed history queued at
// registration always comes before live events queued later.

import type { StorageError, StorageEvent, WatchHandle, WatchListener } from './backend.js';

class Watcher {
  private readonly queue: StorageEvent[][] = [];
  private scheduled = false;
  /** Set when the watcher must end: told after the events already queued. */
  private failure?: StorageError;
  cancelled = false;

  constructor(
    /** Events at or before this revision are not this watcher's (it asked to start later). */
    readonly afterRevision: number,
    private readonly listener: WatchListener,
    private readonly onError?: (err: StorageError) => void,
  ) {}

  push(events: StorageEvent[]): void {
    if (this.cancelled || events.length === 0) return;
    if (events[0]!.kv.modRevision <= this.afterRevision) {
      events = events.filter((e) => e.kv.modRevision > this.afterRevision);
      if (events.length === 0) return;
    }
    this.queue.push(events);
    this.schedule();
  }

  /** Ends the watcher with `err` once what is queued has been delivered. */
  fail(err: StorageError): void {
    if (this.cancelled || this.failure) return;
    this.failure = err;
    this.schedule();
  }

  private schedule(): void {
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
    if (this.failure && !this.cancelled) {
      this.cancelled = true;
      try {
        this.onError?.(this.failure);
      } catch (err) {
        process.emitWarning(`storage watch error listener threw: ${String(err)}`);
      }
    }
  }
}

export class WatchHub {
  private readonly byPrefix = new Map<string, Set<Watcher>>();
  private count = 0;

  /** Registers a watcher whose first delivery is `backlog` (history replayed by the caller). The caller
   *  must read the backlog and call this without yielding, so no commit can fall between the two. */
  add(from: { prefix: string; afterRevision: number; onError?: (err: StorageError) => void }, listener: WatchListener, backlog: StorageEvent[]): WatchHandle {
    const watcher = new Watcher(from.afterRevision, listener, from.onError);
    let group = this.byPrefix.get(from.prefix);
    if (!group) this.byPrefix.set(from.prefix, (group = new Set()));
    group.add(watcher);
    this.count++;
    watcher.push(backlog);
    return {
      cancel: () => {
        if (watcher.cancelled) return;
        watcher.cancelled = true;
        // failAll() may have let go of it already.
        if (!group.delete(watcher)) return;
        this.count--;
        if (group.size === 0 && this.byPrefix.get(from.prefix) === group) this.byPrefix.delete(from.prefix);
      },
    };
  }

  /** Delivers one committed batch, already in revision order. */
  publish(events: StorageEvent[]): void {
    if (events.length === 0) return;
    // Watchers are grouped by prefix (a hundred kubelets all watch /registry/pods/): each group's
    // share of the batch is picked out once.
    for (const [prefix, group] of this.byPrefix) {
      const mine = prefix === '' ? events : events.filter((e) => e.kv.key.startsWith(prefix));
      if (mine.length === 0) continue;
      for (const watcher of group) watcher.push(mine);
    }
  }

  get size(): number {
    return this.count;
  }

  /** Ends every watcher with `err` (after what each has queued) and forgets them: for a backend whose
   *  watchers can no longer be given every event, e.g. history compacted beneath a feed. */
  failAll(err: StorageError): void {
    for (const group of this.byPrefix.values()) for (const watcher of group) watcher.fail(err);
    this.byPrefix.clear();
    this.count = 0;
  }

  closeAll(): void {
    for (const group of this.byPrefix.values()) for (const watcher of group) watcher.cancelled = true;
    this.byPrefix.clear();
    this.count = 0;
  }
}
