// A SQL dialect is data: the schema, a table of named statements, and a few hooks. The statements below
// are portable SQL with `?` placeholders that PostgreSQL and MySQL/MariaDB both run; a dialect file
// (postgres.ts, mysql.ts) supplies its schema and overrides only the entries its database spells
// differently. The comment on each entry lists its parameters, in order.
//
// The log has the same shape as SQLite's: one row per write whose id IS the revision, never updated in
// place; a key's state at revision R is its row with the highest id <= R; deleted = 1 is a tombstone.
// kv_meta holds two counters: 'revision' (the newest committed revision, and the lock that orders
// writers, see flow.md) and 'compact_revision'.

const ROW = 'id, name, created, deleted, create_revision, value';

// Snapshot list: a row is kept if it is its key's newest at or before the revision and not a tombstone.
// Walking (name, id) in key order lets LIMIT stop early. Params: lo, [hi], after, rev, limit.
const listAt = (upperBound: boolean) => `
SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.value
FROM kv_log k
WHERE k.name >= ? ${upperBound ? 'AND k.name < ?' : ''} AND k.name > ?
  AND k.id = (SELECT MAX(m.id) FROM kv_log m WHERE m.name = k.name AND m.id <= ?)
  AND k.deleted = 0
ORDER BY k.name
LIMIT ?`;

// History after a revision (up to and including another), with the superseded row joined in for `prev`.
// Params: after, upTo, [lo, [hi]], limit.
const historyAfter = (range: 'all' | 'unbounded' | 'bounded') => `
SELECT c.id, c.name, c.created, c.deleted, c.create_revision, c.value,
       p.id AS prev_id, p.create_revision AS prev_create_revision, p.value AS prev_value
FROM kv_log c LEFT JOIN kv_log p ON p.id = c.prev_revision
WHERE c.id > ? AND c.id <= ?${range === 'all' ? '' : ' AND c.name >= ?'}${range === 'bounded' ? ' AND c.name < ?' : ''}
ORDER BY c.id
LIMIT ?`;

/** Batch statements exist in these sizes only; a batch is cut into pieces of them (37 = 32 + 4 + 1), so
 *  each connection prepares a bounded number of statements whatever the load. */
export const BATCH_SIZES = [128, 64, 32, 16, 8, 4, 2, 1] as const;
export type BatchSize = (typeof BATCH_SIZES)[number];

/** The newest row of each of n keys (tombstones included). Params: the n keys. */
const latestMany = (n: number) => `
SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.value
FROM kv_log k
WHERE k.name IN (${Array(n).fill('?').join(', ')})
  AND k.id = (SELECT MAX(m.id) FROM kv_log m WHERE m.name = k.name)`;

/** n log rows. Params: per row, id, name, created, deleted, create_revision, prev_revision, value. */
export const insertMany = (n: number) =>
  `INSERT INTO kv_log (id, name, created, deleted, create_revision, prev_revision, value) VALUES ${Array(n).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`;

type Sized<P extends string> = Record<`${P}${BatchSize}`, string>;
export const sized = <P extends string>(prefix: P, build: (n: number) => string) =>
  Object.fromEntries(BATCH_SIZES.map((n) => [`${prefix}${n}`, build(n)])) as Sized<P>;

/** Cuts n into BATCH_SIZES pieces, largest first. */
export function batchPieces(n: number): BatchSize[] {
  const pieces: BatchSize[] = [];
  for (const size of BATCH_SIZES) while (n >= size) {
    pieces.push(size);
    n -= size;
  }
  return pieces;
}

export const BASE_STATEMENTS = {
  ...sized('latestMany', latestMany),
  ...sized('insertMany', insertMany),
  /** A write batch's last rows, the new counter and the announcement in one statement (one round trip
   *  instead of three), where the database can (PostgreSQL's data-modifying WITH); empty elsewhere.
   *  Params: insertMany's, then the revision, then the revision as text. */
  ...sized('finishMany', () => ''),
  /** Locks the revision counter until the transaction ends: writers take turns here. No params. */
  lockRevision: `SELECT value FROM kv_meta WHERE name = 'revision' FOR UPDATE`,
  /** Params: revision. */
  setRevision: `UPDATE kv_meta SET value = ? WHERE name = 'revision'`,
  /** The newest committed revision and the compacted one, read together. No params. */
  revisions: `SELECT (SELECT value FROM kv_meta WHERE name = 'revision') AS rev,
                     (SELECT value FROM kv_meta WHERE name = 'compact_revision') AS compacted`,
  /** Serializes compactions across servers sharing the database. No params. */
  lockCompactRevision: `SELECT value FROM kv_meta WHERE name = 'compact_revision' FOR UPDATE`,
  /** Params: revision. */
  setCompactRevision: `UPDATE kv_meta SET value = ? WHERE name = 'compact_revision'`,
  /** Params: key. */
  latest: `SELECT ${ROW} FROM kv_log WHERE name = ? ORDER BY id DESC LIMIT 1`,
  listBounded: listAt(true),
  listUnbounded: listAt(false),
  historyAll: historyAfter('all'),
  historyBounded: historyAfter('bounded'),
  historyUnbounded: historyAfter('unbounded'),
  /** Rows superseded by a write in the window (lo, hi]. Params: lo, hi. */
  compactSuperseded: `DELETE FROM kv_log WHERE id IN (SELECT prev_revision FROM kv_log WHERE id > ? AND id <= ? AND prev_revision > 0)`,
  /** Tells other servers, at COMMIT, that revisions up to this one exist. Empty where the database has
   *  no notifications: their servers poll instead. Params: revision (as text). */
  announce: '',
  /** The window's own tombstones (their key is gone at hi, so nothing needs them). Params: lo, hi. */
  compactTombstones: `DELETE FROM kv_log WHERE id > ? AND id <= ? AND deleted = 1`,
} as const;

export type StatementName = keyof typeof BASE_STATEMENTS;
export type Statements = Readonly<Record<StatementName, string>>;

export interface SqlDialect {
  /** 'postgres' or 'mysql': the backend's name and the prefix of its error messages. */
  name: string;
  /** Idempotent DDL, run in order at open; it creates the tables and both counters if missing. */
  schema: readonly string[];
  /** Entries this database spells differently from BASE_STATEMENTS. */
  overrides?: Partial<Statements>;
  /** Rewrites `?` placeholders into the driver's own form (PostgreSQL wants $1, $2, …). */
  placeholders?(sql: string): string;
}

/** The dialect's complete statement table, placeholders rewritten, ready to prepare. */
export function statementsFor(dialect: SqlDialect): Statements {
  const merged = { ...BASE_STATEMENTS, ...dialect.overrides };
  const rewrite = dialect.placeholders ?? ((sql: string) => sql);
  return Object.fromEntries(Object.entries(merged).map(([name, sql]) => [name, rewrite(sql)])) as Statements;
}

/** The row shapes the statements return. Drivers may hand back BIGINT as string and binary columns as
 *  Buffer; rows.ts turns them into numbers and strings. */
export interface RawLogRow {
  id: unknown;
  name: unknown;
  created: unknown;
  deleted: unknown;
  create_revision: unknown;
  value: unknown;
}

export interface RawHistoryRow extends RawLogRow {
  prev_id: unknown;
  prev_create_revision: unknown;
  prev_value: unknown;
}
