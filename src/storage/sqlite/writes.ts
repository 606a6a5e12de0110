// The three write verbs, applied inside an open transaction. Each returns the event it produced or throws
// a StorageError; a throw leaves the database untouched (checks come before the insert), which is what
// lets group commit fail one op without undoing its batch-mates.

import { StorageError, type KeyValue, type StorageEvent } from '../backend.js';
import type { LogRow } from './schema.js';

export type WriteOp =
  | { kind: 'create'; key: string; value: string }
  | { kind: 'update'; key: string; value: string; expectedModRevision: number }
  | { kind: 'delete'; key: string; expectedModRevision?: number };

export interface LogRowInsert {
  id: number;
  name: string;
  created: number;
  deleted: number;
  createRevision: number;
  prevRevision: number;
  value: string;
}

export interface WriteContext {
  latest(key: string): LogRow | undefined;
  /** Allocates the next revision; the caller rolls the counter back if the transaction fails. */
  nextRevision(): number;
  insert(row: LogRowInsert): void;
}

export function toKeyValue(row: LogRow): KeyValue {
  return { key: row.name, value: row.value, createRevision: row.create_revision, modRevision: row.id };
}

function live(ctx: WriteContext, key: string): LogRow {
  const row = ctx.latest(key);
  if (!row || row.deleted) throw new StorageError('NotFound', `key ${key} not found`);
  return row;
}

function checkRevision(row: LogRow, expected: number | undefined): void {
  if (expected !== undefined && row.id !== expected) {
    throw new StorageError(
      'Conflict',
      `key ${row.name} is at revision ${row.id}, not the expected ${expected}`,
      row.id,
    );
  }
}

function create(ctx: WriteContext, key: string, value: string): StorageEvent {
  const row = ctx.latest(key);
  if (row && !row.deleted) throw new StorageError('KeyExists', `key ${key} already exists`, row.id);
  const id = ctx.nextRevision();
  ctx.insert({ id, name: key, created: 1, deleted: 0, createRevision: id, prevRevision: row?.id ?? 0, value });
  return { type: 'create', kv: { key, value, createRevision: id, modRevision: id } };
}

function update(ctx: WriteContext, key: string, value: string, expected: number): StorageEvent {
  const row = live(ctx, key);
  checkRevision(row, expected);
  const id = ctx.nextRevision();
  const createRevision = row.create_revision;
  ctx.insert({ id, name: key, created: 0, deleted: 0, createRevision, prevRevision: row.id, value });
  return { type: 'update', kv: { key, value, createRevision, modRevision: id }, prev: toKeyValue(row) };
}

function remove(ctx: WriteContext, key: string, expected: number | undefined): StorageEvent {
  const row = live(ctx, key);
  checkRevision(row, expected);
  const id = ctx.nextRevision();
  const createRevision = row.create_revision;
  // The tombstone keeps the last value so a delete event (live or replayed) carries the final state.
  ctx.insert({ id, name: key, created: 0, deleted: 1, createRevision, prevRevision: row.id, value: row.value });
  return {
    type: 'delete',
    kv: { key, value: row.value, createRevision, modRevision: id },
    prev: toKeyValue(row),
  };
}

export function applyWrite(ctx: WriteContext, op: WriteOp): StorageEvent {
  switch (op.kind) {
    case 'create':
      return create(ctx, op.key, op.value);
    case 'update':
      return update(ctx, op.key, op.value, op.expectedModRevision);
    case 'delete':
      return remove(ctx, op.key, op.expectedModRevision);
  }
}
