// The three write verbs, run inside a write transaction that already holds the revision lock. Each
// checks before it inserts, so a StorageError (KeyExists, NotFound, Conflict) leaves the transaction
// untouched and its batch-mates still commit; any other error aborts the whole batch.

import { StorageError, type StorageEvent } from '../backend.js';
import type { Query } from './connection.js';
import type { RawLogRow } from './dialect.js';
import { logRow, toKeyValue, type LogRow } from './rows.js';

export type WriteOp =
  | { kind: 'create'; key: string; value: string }
  | { kind: 'update'; key: string; value: string; expectedModRevision: number }
  | { kind: 'delete'; key: string; expectedModRevision?: number };

export interface WriteContext {
  query: Query;
  /** Hands out the next revision; the caller stores the last one handed out before COMMIT. */
  nextRevision(): number;
}

async function latest(ctx: WriteContext, key: string): Promise<LogRow | undefined> {
  const [raw] = await ctx.query('latest', [key]);
  return raw ? logRow(raw as unknown as RawLogRow) : undefined;
}

async function live(ctx: WriteContext, key: string): Promise<LogRow> {
  const row = await latest(ctx, key);
  if (!row || row.deleted) throw new StorageError('NotFound', `key ${key} not found`);
  return row;
}

function checkRevision(row: LogRow, expected: number | undefined): void {
  if (expected !== undefined && row.id !== expected) {
    throw new StorageError('Conflict', `key ${row.name} is at revision ${row.id}, not the expected ${expected}`, row.id);
  }
}

interface Insert {
  name: string;
  created: boolean;
  deleted: boolean;
  createRevision?: number;
  prevRevision: number;
  value: string;
}

async function insert(ctx: WriteContext, row: Insert): Promise<number> {
  const id = ctx.nextRevision();
  await ctx.query('insert', [id, row.name, row.created ? 1 : 0, row.deleted ? 1 : 0, row.createRevision ?? id, row.prevRevision, row.value]);
  return id;
}

export async function applyWrite(ctx: WriteContext, op: WriteOp): Promise<StorageEvent> {
  if (op.kind === 'create') {
    const row = await latest(ctx, op.key);
    if (row && !row.deleted) throw new StorageError('KeyExists', `key ${op.key} already exists`, row.id);
    const id = await insert(ctx, { name: op.key, created: true, deleted: false, prevRevision: row?.id ?? 0, value: op.value });
    return { type: 'create', kv: { key: op.key, value: op.value, createRevision: id, modRevision: id } };
  }
  const row = await live(ctx, op.key);
  checkRevision(row, op.expectedModRevision);
  const prev = toKeyValue(row);
  const base = { name: op.key, created: false, createRevision: row.createRevision, prevRevision: row.id };
  if (op.kind === 'update') {
    const id = await insert(ctx, { ...base, deleted: false, value: op.value });
    return { type: 'update', kv: { key: op.key, value: op.value, createRevision: row.createRevision, modRevision: id }, prev };
  }
  // The tombstone keeps the last value so a delete event (live or replayed) carries the final state.
  const id = await insert(ctx, { ...base, deleted: true, value: row.value });
  return { type: 'delete', kv: { ...prev, modRevision: id }, prev };
}
