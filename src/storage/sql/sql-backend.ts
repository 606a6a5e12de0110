// The Backend over a SQL database, shared by PostgreSQL and MySQL/MariaDB: the dialect (statement table)
// and the connection (driver) are all that differ. Several servers may share one database: every
// revision, lock and counter lives in the database, none in this process.

import { StorageError, type Backend, type KeyValue, type ListOptions, type ListResult, type WatchHandle, type WatchListener, type WatchOptions } from '../backend.js';
import { prefixRange } from '../sqlite/key-range.js';
import { DEFAULT_AUTO_COMPACTION, startAutoCompaction, type AutoCompactionOptions } from '../sqlite/compaction.js';
import { BatchWriter } from './batch-writer.js';
import { ChangeFeed } from './change-feed.js';
import { compactLog } from './compaction.js';
import type { SqlConnection } from './connection.js';
import type { RawLogRow } from './dialect.js';
import { logRow, num, toKeyValue } from './rows.js';
import type { WriteOp } from './writes.js';

export interface SqlBackendOptions {
  /** 'postgres' or 'mysql'. */
  name: string;
  /** The endpoint with its password masked, for messages. */
  label: string;
  conn: SqlConnection;
  /** The dialect announces commits (PostgreSQL NOTIFY) inside each write transaction. */
  announce: boolean;
  /** The dialect has `finishMany` statements (rows, counter and announcement at once). */
  finishInOne?: boolean;
  /** Periodic compaction; defaults to every 5 minutes keeping the last 1000 revisions. */
  autoCompaction?: Partial<AutoCompactionOptions>;
  /** Revisions per compaction transaction (default 1000). */
  compactionWindow?: number;
}

/** LIMIT for "no limit": both databases need a number there. */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

export class SqlBackend implements Backend {
  readonly name: string;
  private readonly conn: SqlConnection;
  private readonly feed: ChangeFeed;
  private readonly writer: BatchWriter;
  private readonly stopChanges: () => void;
  private readonly stopAutoCompaction: () => void;
  private readonly compactionWindow: number;
  private compacting: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** Opens on a connection whose schema exists; the watch feed starts at the current revision. */
  static async open(opts: SqlBackendOptions): Promise<SqlBackend> {
    const [row] = await opts.conn.query('revisions');
    return new SqlBackend(opts, num(row!.rev));
  }

  private constructor(opts: SqlBackendOptions, revision: number) {
    this.name = opts.name;
    this.conn = opts.conn;
    this.feed = new ChangeFeed(this.conn.query, revision, opts.label);
    this.writer = new BatchWriter(this.conn, { announce: opts.announce, finishInOne: opts.finishInOne ?? false }, (events) => this.feed.committed(events));
    this.stopChanges = this.conn.watchChanges((revision) => this.feed.poke(revision));
    this.compactionWindow = opts.compactionWindow ?? 1000;
    const auto = { ...DEFAULT_AUTO_COMPACTION, ...opts.autoCompaction };
    this.stopAutoCompaction = startAutoCompaction(auto, async (keep) => this.compact((await this.currentRevision()) - keep));
  }

  async currentRevision(): Promise<number> {
    return (await this.revisions()).rev;
  }

  async compactedRevision(): Promise<number> {
    return (await this.revisions()).compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    const [raw] = await this.conn.query('latest', [key]);
    const row = raw ? logRow(raw as unknown as RawLogRow) : undefined;
    return row && !row.deleted ? toKeyValue(row) : undefined;
  }

  async list(opts: ListOptions): Promise<ListResult> {
    const current = await this.revisions();
    const wanted = opts.revision !== undefined && opts.revision > 0 ? opts.revision : undefined;
    if (wanted !== undefined) this.assertNotCompacted(wanted, current.compacted);
    // Every revision up to the counter has committed (writers commit in revision order), so reading
    // rows with id <= revision is a consistent snapshot without holding a transaction open. A future
    // revision cannot be read consistently yet; read the newest one instead.
    const revision = Math.min(wanted ?? current.rev, current.rev);
    const { lo, hi } = prefixRange(opts.prefix);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const after = opts.after ?? '';
    // One extra row tells us whether another page exists.
    const rowLimit = limit > 0 ? limit + 1 : NO_LIMIT;
    const raws = hi === undefined
      ? await this.conn.query('listUnbounded', [lo, after, revision, rowLimit])
      : await this.conn.query('listBounded', [lo, hi, after, revision, rowLimit]);
    // A compaction running meanwhile may have removed rows this snapshot needed.
    if (wanted !== undefined) this.assertNotCompacted(revision, (await this.revisions()).compacted);
    const items = raws.map((raw) => toKeyValue(logRow(raw as unknown as RawLogRow)));
    const more = limit > 0 && items.length > limit;
    if (more) items.length = limit;
    return { items, revision, more };
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.submit({ kind: 'create', key, value });
  }

  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    return this.submit({ kind: 'update', key, value, expectedModRevision });
  }

  delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.submit({ kind: 'delete', key, expectedModRevision });
  }

  async watch(opts: WatchOptions, listener: WatchListener): Promise<WatchHandle> {
    this.assertOpen();
    return this.feed.watch(opts, listener);
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    // Serialized here so this server's calls queue; the row lock serializes servers.
    const next = this.compacting.then(async () => {
      const to = Math.min(revision, await this.currentRevision());
      if (this.closed) return;
      await compactLog({ conn: this.conn, to, window: this.compactionWindow, stopped: () => this.closed });
    });
    this.compacting = next.catch(() => {});
    await next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.stopAutoCompaction();
    // Writes already submitted were promised an answer: let them finish first.
    await this.writer.idle();
    this.closed = true;
    this.stopChanges();
    this.feed.close();
    await this.compacting;
    await this.conn.close();
  }

  private submit(op: WriteOp): Promise<KeyValue> {
    if (this.closed) return Promise.reject(new Error('storage backend is closed'));
    if (op.key === '') return Promise.reject(new Error('storage key must not be empty'));
    return this.writer.submit(op);
  }

  private async revisions(): Promise<{ rev: number; compacted: number }> {
    this.assertOpen();
    const [row] = await this.conn.query('revisions');
    return { rev: num(row!.rev), compacted: num(row!.compacted) };
  }

  private assertNotCompacted(revision: number, compacted: number): void {
    if (revision < compacted) {
      throw new StorageError('Compacted', `revision ${revision} has been compacted; the oldest available is ${compacted}`, compacted);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('storage backend is closed');
  }
}
