// Rebuilds a watch event from a log row and the row it superseded, so replayed history looks exactly
// like the events that were delivered live when the writes committed.

import type { StorageEvent } from '../backend.js';
import type { HistoryRow } from './schema.js';

export function historyEvent(row: HistoryRow): StorageEvent {
  const kv = { key: row.name, value: row.value, createRevision: row.create_revision, modRevision: row.id };
  if (row.created) return { type: 'create', kv };
  const prev =
    row.prev_id === null
      ? undefined // superseded row compacted away; only possible for revisions no watch may start before
      : { key: row.name, value: row.prev_value!, createRevision: row.prev_create_revision!, modRevision: row.prev_id };
  return { type: row.deleted ? 'delete' : 'update', kv, ...(prev ? { prev } : {}) };
}
