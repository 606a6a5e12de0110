// What the shared SQL backend needs from a database driver: run a named statement from the pool, run a
// function inside one transaction on one connection, and say when another writer may have committed.
// postgres.ts (pg) and mysql.ts (mysql2) implement it; nothing else here knows which driver is underneath.

import { StorageError } from '../backend.js';
import type { StatementName } from './dialect.js';

export type Row = Record<string, unknown>;

/** Runs one prepared statement from the dialect's table. */
export type Query = (name: StatementName, params?: readonly unknown[]) => Promise<Row[]>;

export interface SqlConnection {
  /** Runs a statement on any pooled connection (autocommit). */
  query: Query;
  /** Runs `work` inside BEGIN … COMMIT on one connection; a throw rolls back and rethrows. Errors from
   *  the database come back as DatastoreUnavailable when the connection failed. `last` runs the
   *  transaction's final statement: a driver may send COMMIT in the same message (one round trip
   *  fewer), so nothing may be issued after it, and a connection lost during it leaves the outcome
   *  unknown. */
  transaction<T>(work: (query: Query, last: Query) => Promise<T>): Promise<T>;
  /** Calls `onChange` whenever another writer may have committed: a notification (with the revision
   *  it announced), or a poll timer. Returns the function that stops it. */
  watchChanges(onChange: (revision?: number) => void): () => void;
  close(): Promise<void>;
}

/**
 * The database cannot be reached (refused, reset, restarted, timed out). Writes that fail this way were
 * rolled back by the database unless `outcomeUnknown` says the connection broke during COMMIT.
 */
export class DatastoreUnavailable extends StorageError {
  override readonly cause?: unknown;

  constructor(message: string, readonly outcomeUnknown = false, options?: { cause?: unknown }) {
    // A StorageError, so the API can tell "try again" (Unavailable) from an internal failure.
    super(outcomeUnknown ? 'OutcomeUnknown' : 'Unavailable', message);
    this.name = 'DatastoreUnavailable';
    this.cause = options?.cause;
  }
}
