// The on-disk shape of the SQLite datastore and every SQL statement it runs, kept together as data so a
// reader sees the whole storage contract in one place (and a later SQL backend can reuse the shape).
//
// One append-only log: each write (create, update, delete) is one row whose id is its revision.
// A key's state at revision R is its row with the highest id <= R; a row with deleted = 1 is a tombstone.
// Beside it, kv_current names the newest row of every live key, kept in the same transaction as each
// write: a LIST of the current state (nearly every LIST) reads only live keys, instead of walking
// every key's history under the prefix, which grows with every write until compaction.

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv_log (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  name            TEXT    NOT NULL,
  created         INTEGER NOT NULL,
  deleted         INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision   INTEGER NOT NULL,
  value           TEXT    NOT NULL
);
-- (name, id): latest row of a key, and per-key "max id <= R" for snapshot lists, both from the index alone.
CREATE UNIQUE INDEX IF NOT EXISTS kv_log_name_id ON kv_log (name, id);
CREATE TABLE IF NOT EXISTS kv_current (
  name TEXT    PRIMARY KEY,
  id   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kv_meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Pragmas applied on every open: WAL so readers never block the writer; FULL so a commit is fsynced
 *  before we acknowledge it; EXCLUSIVE because the revision counter lives in this process's memory.
 *  The page cache is 4 MiB, not better-sqlite3's 16: the OS caches the file as well, and those 16 MiB
 *  stayed in the server's RSS after any busy minute. */
export const PRAGMAS = ['journal_mode = WAL', 'synchronous = FULL', 'locking_mode = EXCLUSIVE', 'foreign_keys = OFF', 'cache_size = -4096'];

export const META_COMPACT_REVISION = 'compact_revision';
/** Set once kv_current has been filled from the log (databases written before it existed). */
export const META_CURRENT_BUILT = 'current_index_built';

const ROW = 'id, name, created, deleted, create_revision, value';

// For snapshot lists: walk the (name, id) index in key order and keep a row only if it is its key's newest
// at or before the revision (one index seek each), then drop tombstones. Walking in key order lets LIMIT
// stop the scan early and avoids sorting full rows; full rows are read only for the rows kept.
const listAt = (upperBound: boolean) => `
SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.value
FROM kv_log k
WHERE k.name >= @lo ${upperBound ? 'AND k.name < @hi' : ''} AND k.name > @after
  AND k.id = (SELECT MAX(m.id) FROM kv_log m WHERE m.name = k.name AND m.id <= @rev)
  AND k.deleted = 0
ORDER BY k.name
LIMIT @limit`;

// The current state: live keys in key order, each joined to its newest row.
const listCurrent = (upperBound: boolean) => `
SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.value
FROM kv_current c JOIN kv_log k ON k.id = c.id
WHERE c.name >= @lo ${upperBound ? 'AND c.name < @hi' : ''} AND c.name > @after
ORDER BY c.name
LIMIT @limit`;

// Watch replay: every row after a revision under a prefix, with the row it superseded (for prev).
// Watches resume from a recent revision, so walk the log by id (already in revision order) and filter by
// name; the unary + keeps SQLite from scanning the whole prefix through the name index and sorting.
const historyAfter = (upperBound: boolean) => `
SELECT c.id, c.name, c.created, c.deleted, c.create_revision, c.value,
       p.id AS prev_id, p.create_revision AS prev_create_revision, p.value AS prev_value
FROM kv_log c LEFT JOIN kv_log p ON p.id = c.prev_revision
WHERE c.id > @after AND +c.name >= @lo ${upperBound ? 'AND +c.name < @hi' : ''}
ORDER BY c.id`;

export const STATEMENTS = {
  latest: `SELECT ${ROW} FROM kv_log WHERE name = ? ORDER BY id DESC LIMIT 1`,
  insert: `INSERT INTO kv_log (id, name, created, deleted, create_revision, prev_revision, value)
           VALUES (@id, @name, @created, @deleted, @createRevision, @prevRevision, @value)`,
  maxRevision: `SELECT MAX(
                  COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'kv_log'), 0),
                  COALESCE((SELECT MAX(id) FROM kv_log), 0)) AS rev`,
  listBounded: listAt(true),
  listUnbounded: listAt(false),
  listCurrentBounded: listCurrent(true),
  listCurrentUnbounded: listCurrent(false),
  setCurrent: `INSERT INTO kv_current (name, id) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET id = excluded.id`,
  dropCurrent: `DELETE FROM kv_current WHERE name = ?`,
  buildCurrent: `INSERT OR REPLACE INTO kv_current (name, id)
                 SELECT k.name, k.id FROM kv_log k
                 WHERE k.deleted = 0 AND k.id = (SELECT MAX(m.id) FROM kv_log m WHERE m.name = k.name)`,
  historyBounded: historyAfter(true),
  historyUnbounded: historyAfter(false),
  // Compaction, one revision window (lo, hi] at a time: first the rows superseded by a write in the window,
  // then the window's own tombstones (their key is gone at hi, so nothing needs them).
  compactSuperseded: `DELETE FROM kv_log WHERE id IN (
                        SELECT prev_revision FROM kv_log WHERE id > @lo AND id <= @hi AND prev_revision > 0)`,
  compactTombstones: `DELETE FROM kv_log WHERE id > @lo AND id <= @hi AND deleted = 1`,
  getMeta: `SELECT value FROM kv_meta WHERE key = ?`,
  setMeta: `INSERT INTO kv_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
} as const;

export interface LogRow {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  value: string;
}

export interface HistoryRow extends LogRow {
  prev_id: number | null;
  prev_create_revision: number | null;
  prev_value: string | null;
}
