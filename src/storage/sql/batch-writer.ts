// Group commit over the network: while one write transaction is in flight, later writes queue up, and
// the next transaction takes the whole queue. One revision lock, one COMMIT (one fsync) per batch, so
// throughput grows with load instead of being capped by round trips. Each op still gets its own outcome.

import { StorageError, type KeyValue, type StorageEvent } from '../backend.js';
import { DatastoreUnavailable, type Query, type SqlConnection } from './connection.js';
import { batchPieces, type RawLogRow } from './dialect.js';
import { logRow, num, type LogRow } from './rows.js';
import { planWrite, type NewRow, type WriteOp } from './writes.js';

type Outcome = { ok: true; value: KeyValue } | { ok: false; error: unknown };

interface Pending {
  op: WriteOp;
  resolve(value: KeyValue): void;
  reject(error: unknown): void;
}

export class BatchWriter {
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly conn: SqlConnection,
    private readonly dialect: {
      /** Whether the dialect has an `announce` statement (PostgreSQL's NOTIFY). */
      announce: boolean;
      /** Whether it has `finishMany` (the last rows, the counter and the announcement in one). */
      finishInOne: boolean;
    },
    /** Called after each batch commits, with the events it produced (in revision order). */
    private readonly onCommit: (events: StorageEvent[]) => void,
  ) {}

  submit(op: WriteOp): Promise<KeyValue> {
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.running ??= this.drain();
    });
  }

  /** Resolves once every write submitted so far has been answered. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    // Let the current turn's other writes join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      await this.runBatch(batch);
    }
    this.running = undefined;
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    const events: StorageEvent[] = [];
    let outcomes: Outcome[];
    try {
      outcomes = await this.conn.transaction(async (query, last) => {
        // Held until COMMIT: the next writer, here or on another server, waits for this batch. The read
        // of every key's newest row is issued without waiting: a connection runs its statements in
        // order, so it still reads after the lock is held, and a driver that can sends both at once.
        // Then each op is planned in memory and all new rows are inserted.
        const lockedRow = query('lockRevision');
        const latestRows = readLatest(query, [...new Set(batch.map((p) => p.op.key))]);
        const [[locked], latest] = await Promise.all([lockedRow, latestRows]);
        let revision = num(locked!.value);
        const state = { latest, nextRevision: () => ++revision };
        const results: Outcome[] = [];
        const rows: NewRow[] = [];
        for (const { op } of batch) {
          try {
            const { event, row } = planWrite(state, op);
            events.push(event);
            rows.push(row);
            results.push({ ok: true, value: event.kv });
          } catch (error) {
            if (!(error instanceof StorageError)) throw error; // rolls back the whole batch
            results.push({ ok: false, error });
          }
        }
        if (rows.length > 0 && this.dialect.finishInOne) {
          await insertRows(query, rows, { revision, last });
        } else if (rows.length > 0) {
          await insertRows(query, rows);
          await query('setRevision', [revision]);
          if (this.dialect.announce) await query('announce', [String(revision)]);
        }
        return results;
      });
    } catch (error) {
      const failure = error instanceof DatastoreUnavailable && !error.outcomeUnknown
        ? new DatastoreUnavailable(`${error.message}; the write was not applied`, false, { cause: error })
        : error;
      for (const p of batch) p.reject(failure);
      return;
    }
    if (events.length > 0) this.onCommit(events);
    batch.forEach((p, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.error);
    });
  }
}

async function readLatest(query: Query, keys: string[]): Promise<Map<string, LogRow | undefined>> {
  const latest = new Map<string, LogRow | undefined>(keys.map((k) => [k, undefined]));
  let at = 0;
  for (const size of batchPieces(keys.length)) {
    for (const raw of await query(`latestMany${size}`, keys.slice(at, at + size))) {
      const row = logRow(raw as unknown as RawLogRow);
      latest.set(row.name, row);
    }
    at += size;
  }
  return latest;
}

/** Bytes of values per INSERT: well under MySQL's default 16 MiB packet limit (max_allowed_packet). */
const INSERT_BYTES = 4 << 20;

/** With `finish`, the last piece goes through `finishMany`, which also sets the counter to that
 *  revision and announces it, as the transaction's last statement. */
async function insertRows(query: Query, rows: NewRow[], finish?: { revision: number; last: Query }): Promise<void> {
  let start = 0;
  while (start < rows.length) {
    // Take rows until the byte budget is spent (always at least one), then insert them in sized pieces.
    let end = start;
    let bytes = 0;
    while (end < rows.length && (end === start || bytes + rows[end]!.value.length <= INSERT_BYTES)) bytes += rows[end++]!.value.length;
    let at = start;
    for (const size of batchPieces(end - start)) {
      const params = rows.slice(at, at + size).flatMap((r) => [r.id, r.name, r.created ? 1 : 0, r.deleted ? 1 : 0, r.createRevision, r.prevRevision, r.value]);
      at += size;
      if (finish && at === rows.length) await finish.last(`finishMany${size}`, [...params, finish.revision, String(finish.revision)]);
      else await query(`insertMany${size}`, params);
    }
    start = end;
  }
}
