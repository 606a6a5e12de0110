// The embedded SQLite datastore. better-sqlite3 is synchronous, which this design leans on: a batch
// commit, the event fan-out that follows it, and a watch's history replay plus registration each run
// without yielding, so no write can slip between "read history" and "start listening".

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import {
  StorageError,
  type Backend,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type StorageEvent,
  type WatchHandle,
  type WatchListener,
  type WatchOptions,
} from '../backend.js';
import {
  compactLog,
  DEFAULT_AUTO_COMPACTION,
  prepareCompaction,
  startAutoCompaction,
  type AutoCompactionOptions,
  type CompactionStatements,
} from './compaction.js';
import { GroupCommitter, type Outcome } from './group-commit.js';
import { prefixRange } from './key-range.js';
import { historyEvent } from './history.js';
import { META_COMPACT_REVISION, META_CURRENT_BUILT, PRAGMAS, SCHEMA, STATEMENTS, type HistoryRow, type LogRow } from './schema.js';
import { WatchHub } from '../watch-hub.js';
import { applyWrite, toKeyValue, type WriteContext, type WriteOp } from './writes.js';

export interface SqliteBackendOptions {
  /** Database file; its directory is created if missing. */
  path: string;
  /** Periodic compaction; defaults to every 5 minutes keeping the last 1000 revisions. */
  autoCompaction?: Partial<AutoCompactionOptions>;
  /** Revisions per compaction transaction (default 1000): bounds how long one step holds the event loop. */
  compactionWindow?: number;
}

export interface SqliteStats {
  /** Transactions that committed writes (one per group-commit batch). */
  commits: number;
  /** Writes that succeeded. */
  writes: number;
}

export class SqliteBackend implements Backend {
  readonly name = 'sqlite';
  private readonly db: Db;
  private readonly stmt: Record<keyof typeof STATEMENTS, Statement>;
  private readonly compaction: CompactionStatements;
  private readonly hub = new WatchHub();
  private readonly batchTransaction: Database.Transaction<(ops: WriteOp[], events: StorageEvent[]) => Outcome<KeyValue>[]>;
  private readonly writer: GroupCommitter<WriteOp, KeyValue>;
  private readonly stopAutoCompaction: () => void;
  private readonly compactionWindow: number;
  private revision: number;
  private compacted: number;
  private compacting: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly counters: SqliteStats = { commits: 0, writes: 0 };

  static open(opts: SqliteBackendOptions): SqliteBackend {
    return new SqliteBackend(opts);
  }

  private constructor(opts: SqliteBackendOptions) {
    mkdirSync(dirname(opts.path), { recursive: true });
    // No busy wait: in exclusive locking mode the only other holder is another server on the same
    // file, which keeps the lock for its whole life, so better-sqlite3's default 5 s wait would only
    // delay the "in use" error.
    this.db = new Database(opts.path, { timeout: 0 });
    try {
      for (const pragma of PRAGMAS) this.db.pragma(pragma);
      // Takes the exclusive lock now, so a second server on the same file fails here, not later.
      this.db.exec(`BEGIN IMMEDIATE; ${SCHEMA}; COMMIT;`);
    } catch (err) {
      this.db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') {
        throw new Error(`datastore ${opts.path} is in use by another process; stop it or choose another path`);
      }
      throw err;
    }
    this.stmt = Object.fromEntries(
      Object.entries(STATEMENTS).map(([name, sql]) => [name, this.db.prepare(sql)]),
    ) as Record<keyof typeof STATEMENTS, Statement>;
    if (!this.stmt.getMeta.get(META_CURRENT_BUILT)) {
      this.db.transaction(() => {
        this.stmt.buildCurrent.run();
        this.stmt.setMeta.run(META_CURRENT_BUILT, 1);
      }).immediate();
    }
    this.compaction = prepareCompaction(this.db);
    this.revision = (this.stmt.maxRevision.get() as { rev: number }).rev;
    this.compacted = (this.stmt.getMeta.get(META_COMPACT_REVISION) as { value: number } | undefined)?.value ?? 0;
    this.compactionWindow = opts.compactionWindow ?? 1000;
    this.batchTransaction = this.db.transaction((ops: WriteOp[], events: StorageEvent[]) => this.applyBatch(ops, events));
    this.writer = new GroupCommitter((ops) => this.runBatch(ops));
    const auto = { ...DEFAULT_AUTO_COMPACTION, ...opts.autoCompaction };
    this.stopAutoCompaction = startAutoCompaction(auto, (keep) => this.compact(this.revision - keep));
  }

  stats(): SqliteStats {
    return { ...this.counters };
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen();
    return this.compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    const row = this.stmt.latest.get(key) as LogRow | undefined;
    return row && !row.deleted ? toKeyValue(row) : undefined;
  }

  async list(opts: ListOptions): Promise<ListResult> {
    this.assertOpen();
    const revision = this.readableRevision(opts.revision);
    const { lo, hi } = prefixRange(opts.prefix);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    // Writes run synchronously between reads, so kv_current is exactly the state at this.revision.
    const statement = revision === this.revision
      ? (hi === undefined ? this.stmt.listCurrentUnbounded : this.stmt.listCurrentBounded)
      : (hi === undefined ? this.stmt.listUnbounded : this.stmt.listBounded);
    const rows = statement.all({
      lo,
      ...(hi === undefined ? {} : { hi }),
      after: opts.after ?? '',
      rev: revision,
      // One extra row tells us whether another page exists.
      limit: limit > 0 ? limit + 1 : -1,
    }) as LogRow[];
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    return { items: rows.map(toKeyValue), revision, more };
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
    this.assertNotCompacted(opts.afterRevision);
    const { lo, hi } = prefixRange(opts.prefix);
    const statement = hi === undefined ? this.stmt.historyUnbounded : this.stmt.historyBounded;
    const backlog: StorageEvent[] = [];
    if (opts.afterRevision < this.revision) {
      const params = { lo, after: opts.afterRevision, ...(hi === undefined ? {} : { hi }) };
      for (const row of statement.iterate(params) as IterableIterator<HistoryRow>) backlog.push(historyEvent(row));
    }
    return this.hub.add({ prefix: opts.prefix, afterRevision: opts.afterRevision }, listener, backlog);
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    // Serialized so two calls never work on overlapping windows.
    const next = this.compacting.then(() => {
      const to = Math.min(revision, this.revision);
      if (this.closed || to <= this.compacted) return;
      return compactLog({
        db: this.db,
        statements: this.compaction,
        from: this.compacted,
        to,
        window: this.compactionWindow,
        onProgress: (rev) => {
          this.compacted = rev;
        },
        stopped: () => this.closed,
      });
    });
    this.compacting = next.catch(() => {});
    return next;
  }

  /** Pages allocated to the database file (the write-ahead log not counted), as etcd's dbSize. */
  async sizeBytes(): Promise<number> {
    if (this.closed) throw new Error('the datastore is closed');
    return (this.db.pragma('page_count', { simple: true }) as number) * (this.db.pragma('page_size', { simple: true }) as number);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.stopAutoCompaction();
    // Writes already submitted were promised an answer: commit them before closing.
    this.writer.flush();
    this.closed = true;
    this.hub.closeAll();
    await this.compacting;
    this.db.close();
  }

  private submit(op: WriteOp): Promise<KeyValue> {
    if (this.closed) return Promise.reject(new Error('storage backend is closed'));
    if (op.key === '') return Promise.reject(new Error('storage key must not be empty'));
    return this.writer.submit(op);
  }

  private readonly writeContext: WriteContext = {
    latest: (key) => this.stmt.latest.get(key) as LogRow | undefined,
    nextRevision: () => ++this.revision,
    insert: (row) => {
      this.stmt.insert.run(row);
      if (row.deleted) this.stmt.dropCurrent.run(row.name);
      else this.stmt.setCurrent.run(row.name, row.id);
    },
  };

  private applyBatch(ops: WriteOp[], events: StorageEvent[]): Outcome<KeyValue>[] {
    return ops.map((op): Outcome<KeyValue> => {
      try {
        const event = applyWrite(this.writeContext, op);
        events.push(event);
        return { ok: true, value: event.kv };
      } catch (error) {
        if (error instanceof StorageError) return { ok: false, error };
        throw error; // anything else (disk full, I/O) rolls back the whole batch
      }
    });
  }

  private runBatch(ops: WriteOp[]): Outcome<KeyValue>[] {
    const startRevision = this.revision;
    const events: StorageEvent[] = [];
    let outcomes: Outcome<KeyValue>[];
    try {
      outcomes = this.batchTransaction.immediate(ops, events);
    } catch (error) {
      this.revision = startRevision;
      throw error;
    }
    if (events.length > 0) {
      this.counters.commits++;
      this.counters.writes += events.length;
    }
    this.hub.publish(events);
    return outcomes;
  }

  private readableRevision(requested: number | undefined): number {
    if (requested === undefined || requested <= 0) return this.revision;
    this.assertNotCompacted(requested);
    // A future revision cannot be read consistently yet; read the newest one instead.
    return Math.min(requested, this.revision);
  }

  private assertNotCompacted(revision: number): void {
    if (revision < this.compacted) {
      throw new StorageError(
        'Compacted',
        `revision ${revision} has been compacted; the oldest available is ${this.compacted}`,
        this.compacted,
      );
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('storage backend is closed');
  }
}
