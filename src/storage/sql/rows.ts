// Turns driver rows into KeyValues and watch events. pg returns BIGINT as a string and mysql2 returns
// VARBINARY/BLOB as a Buffer, so every field goes through num() or text(): both drivers, one decoder.

import type { KeyValue, StorageEvent } from '../backend.js';
import type { RawHistoryRow, RawLogRow } from './dialect.js';

export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
export const text = (v: unknown): string => (typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

export interface LogRow {
  id: number;
  name: string;
  created: boolean;
  deleted: boolean;
  createRevision: number;
  value: string;
}

export function logRow(raw: RawLogRow): LogRow {
  return {
    id: num(raw.id),
    name: text(raw.name),
    created: num(raw.created) === 1,
    deleted: num(raw.deleted) === 1,
    createRevision: num(raw.create_revision),
    value: text(raw.value),
  };
}

export function toKeyValue(row: LogRow): KeyValue {
  return { key: row.name, value: row.value, createRevision: row.createRevision, modRevision: row.id };
}

/** Rebuilds the event a log row stands for, so replayed and live events look identical. */
export function historyEvent(raw: RawHistoryRow): StorageEvent {
  const row = logRow(raw);
  const kv = toKeyValue(row);
  if (row.created) return { type: 'create', kv };
  // The superseded row is gone only if compacted, i.e. for revisions no watch may start before.
  const prev = raw.prev_id === null || raw.prev_id === undefined
    ? undefined
    : { key: row.name, value: text(raw.prev_value), createRevision: num(raw.prev_create_revision), modRevision: num(raw.prev_id) };
  return { type: row.deleted ? 'delete' : 'update', kv, ...(prev ? { prev } : {}) };
}
