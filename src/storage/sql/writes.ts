// The three write verbs, planned in memory against the newest row of each key in the batch (read once,
// under the revision lock). Each checks before it produces a row, so a StorageError (KeyExists,
// NotFound, Conflict) fails that op alone and its batch-mates still commit; a later op in the same
// batch sees the rows of the earlier ones.

import { StorageError, type StorageEvent } from '../backend.js';
import { toKeyValue, type LogRow } from './rows.js';

export type WriteOp =
  | { kind: 'create'; key: string; value: string }
  | { kind: 'update'; key: string; value: string; expectedModRevision: number }
  | { kind: 'delete'; key: string; expectedModRevision?: number };

export interface NewRow extends LogRow {
  prevRevision: number;
}

export interface BatchState {
  /** Newest row of every key the batch touches (undefined: never written, or compacted away). */
  latest: Map<string, LogRow | undefined>;
  /** Hands out the next revision. */
  nextRevision(): number;
}

function live(state: BatchState, key: string): LogRow {
  const row = state.latest.get(key);
  if (!row || row.deleted) throw new StorageError('NotFound', `key ${key} not found`);
  return row;
}

function checkRevision(row: LogRow, expected: number | undefined): void {
  if (expected !== undefined && row.id !== expected) {
    throw new StorageError('Conflict', `key ${row.name} is at revision ${row.id}, not the expected ${expected}`, row.id);
  }
}

function record(state: BatchState, row: NewRow): NewRow {
  state.latest.set(row.name, row);
  return row;
}

/** Returns the event and the row to insert, or throws a StorageError having changed nothing. */
export function planWrite(state: BatchState, op: WriteOp): { event: StorageEvent; row: NewRow } {
  if (op.kind === 'create') {
    const old = state.latest.get(op.key);
    if (old && !old.deleted) throw new StorageError('KeyExists', `key ${op.key} already exists`, old.id);
    const id = state.nextRevision();
    const row = record(state, { id, name: op.key, created: true, deleted: false, createRevision: id, prevRevision: old?.id ?? 0, value: op.value });
    return { event: { type: 'create', kv: toKeyValue(row) }, row };
  }
  const old = live(state, op.key);
  checkRevision(old, op.expectedModRevision);
  const prev = toKeyValue(old);
  const id = state.nextRevision();
  const base = { id, name: op.key, created: false, createRevision: old.createRevision, prevRevision: old.id };
  if (op.kind === 'update') {
    const row = record(state, { ...base, deleted: false, value: op.value });
    return { event: { type: 'update', kv: toKeyValue(row), prev }, row };
  }
  // The tombstone keeps the last value so a delete event (live or replayed) carries the final state.
  const row = record(state, { ...base, deleted: true, value: old.value });
  return { event: { type: 'delete', kv: toKeyValue(row), prev }, row };
}
