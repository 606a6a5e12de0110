// One reader of the log per backend: it reads every row after the last revision it published, in id
// order, and hands the events to the watch hub. Writes on other servers reach it through the
// connection's change signal (NOTIFY, or a poll timer). This server's own commits hand their events over
// directly: when they follow the last published revision they are exactly the rows a read would return
// (revisions commit in order), so publishing them saves a query per batch; otherwise the feed reads.
//
// Every step (a poll, or a new watch's history replay) runs on one serial chain, so a watch replays
// history up to exactly the revision the feed has published and then receives everything after it:
// no gap, no duplicate. Rows are never skipped, because revisions commit in order (flow.md): once the
// feed sees revision N, every revision below N has committed and was visible to the same query.
//
// The one way a feed can lose rows: another server compacts past its cursor while it cannot read the
// log (or lags that far). Revisions have no gaps (flow.md), so a gap in what it reads is exactly that;
// its watchers then end with a 'Compacted' error and relist, instead of missing deletes silently.

import { StorageError, type StorageEvent, type WatchHandle, type WatchListener, type WatchOptions } from '../backend.js';
import { prefixRange } from '../sqlite/key-range.js';
import { WatchHub } from '../watch-hub.js';
import type { Query } from './connection.js';
import type { RawHistoryRow } from './dialect.js';
import { historyEvent, num } from './rows.js';

const PAGE = 500;

export class ChangeFeed {
  private readonly hub = new WatchHub();
  private chain: Promise<unknown> = Promise.resolve();
  private pollQueued = false;
  /** The newest revision this server committed and handed to committed(), published or not. */
  private ownCommitted = 0;
  private failing = false;
  private closed = false;

  constructor(
    private readonly query: Query,
    /** The newest revision already published (the current one at open). */
    private cursor: number,
    private readonly label: string,
  ) {}

  /** Asks for a poll; polls already queued absorb it. `revision`, when the signal says which one
   *  committed (NOTIFY's payload), skips the read if the feed has published it already. */
  poke(revision?: number): void {
    if (this.pollQueued || this.closed) return;
    // A revision this server committed itself is published by publishCommitted, which reads the log
    // anyway when other writers' rows came first. Its NOTIFY usually arrives before that runs (the
    // publish waits a turn); reading then would cost a query per write for rows already in hand.
    if (revision !== undefined && Number.isSafeInteger(revision) && revision <= Math.max(this.cursor, this.ownCommitted)) return;
    this.pollQueued = true;
    this.serially(async () => {
      this.pollQueued = false;
      await this.poll();
    }).catch(() => {});
  }

  /** Events this server's writer committed, in revision order. Published after this turn of the event
   *  loop, so the writes' answers go out before the watchers run (see etcd/shared-watch.ts); a poll
   *  queued meanwhile is harmless: whichever comes second finds the cursor past these events. */
  committed(events: StorageEvent[]): void {
    if (this.closed || events.length === 0) return;
    this.ownCommitted = Math.max(this.ownCommitted, events.at(-1)!.kv.modRevision);
    setImmediate(() => this.publishCommitted(events));
  }

  private publishCommitted(events: StorageEvent[]): void {
    this.serially(async () => {
      if (this.closed || events.at(-1)!.kv.modRevision <= this.cursor) return; // a poll got there first
      if (events[0]!.kv.modRevision !== this.cursor + 1) return this.poll(); // other writers' rows between
      this.cursor = events.at(-1)!.kv.modRevision;
      this.hub.publish(events);
    }).catch(() => {});
  }

  async watch(opts: WatchOptions, listener: WatchListener): Promise<WatchHandle> {
    return this.serially(async () => {
      await this.assertNotCompacted(opts.afterRevision);
      const backlog: StorageEvent[] = [];
      let after = opts.afterRevision;
      while (after < this.cursor) {
        const { lo, hi } = prefixRange(opts.prefix);
        const rows = hi === undefined
          ? await this.query('historyUnbounded', [after, this.cursor, lo, PAGE])
          : await this.query('historyBounded', [after, this.cursor, lo, hi, PAGE]);
        for (const row of rows) backlog.push(historyEvent(row as unknown as RawHistoryRow));
        if (rows.length < PAGE) break;
        after = backlog.at(-1)!.kv.modRevision;
      }
      // A compaction that ran during the replay may have removed rows it read past: check again.
      await this.assertNotCompacted(opts.afterRevision);
      return this.hub.add({ prefix: opts.prefix, afterRevision: opts.afterRevision, onError: opts.onError }, listener, backlog);
    });
  }

  close(): void {
    this.closed = true;
    this.hub.closeAll();
  }

  private async poll(): Promise<void> {
    if (this.closed) return;
    try {
      for (;;) {
        const rows = await this.query('historyAll', [this.cursor, Number.MAX_SAFE_INTEGER, PAGE]);
        if (this.closed) return;
        const events = rows.map((row) => historyEvent(row as unknown as RawHistoryRow));
        if (events.length > 0) {
          if (this.hub.size > 0 && skipsRevisions(this.cursor, events)) await this.failIfCompactedBeneath();
          this.cursor = events.at(-1)!.kv.modRevision;
          this.hub.publish(events);
        }
        if (rows.length < PAGE) break;
      }
      if (this.failing) process.emitWarning(`${this.label}: watch feed reconnected; caught up to revision ${this.cursor}`);
      this.failing = false;
    } catch (err) {
      // The database is away (restart, network). Say so once; the next poke or poll retries from the
      // same cursor, so nothing is lost, only delayed.
      if (!this.failing) process.emitWarning(`${this.label}: watch feed cannot read the log, retrying: ${(err as Error).message}`);
      this.failing = true;
    }
  }

  /** Ends every watcher when history after the cursor was compacted before the feed read it. */
  private async failIfCompactedBeneath(): Promise<void> {
    const [row] = await this.query('revisions');
    const compacted = num(row!.compacted);
    if (compacted <= this.cursor) return;
    process.emitWarning(`${this.label}: history after revision ${this.cursor} was compacted (to ${compacted}) before the watch feed read it; ending ${this.hub.size} watches so their clients relist`);
    this.hub.failAll(new StorageError('Compacted', `events after revision ${this.cursor} were compacted (to ${compacted}) before they could be delivered`, compacted));
  }

  private async assertNotCompacted(revision: number): Promise<void> {
    const [row] = await this.query('revisions');
    const compacted = num(row!.compacted);
    if (revision < compacted) {
      throw new StorageError('Compacted', `revision ${revision} has been compacted; the oldest available is ${compacted}`, compacted);
    }
  }

  private serially<T>(step: () => Promise<T>): Promise<T> {
    const next = this.chain.then(step);
    this.chain = next.catch(() => {});
    return next;
  }
}

/** True when `events` (in revision order) do not follow `cursor` one revision after another. */
function skipsRevisions(cursor: number, events: StorageEvent[]): boolean {
  let expected = cursor + 1;
  for (const e of events) {
    if (e.kv.modRevision !== expected) return true;
    expected++;
  }
  return false;
}
