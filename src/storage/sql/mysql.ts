// MySQL and MariaDB: their schema, the statements they spell differently, K3s's endpoint form
// (mysql://user:password@tcp(host:3306)/database, Go's DSN) and the connection over `mysql2`.
// There is no notification in MySQL: other servers' commits are found by polling the log's primary key
// every POLL_MS (one indexed probe), and this server's own commits poke the feed directly.

import mysql from 'mysql2/promise';
import type { Backend } from '../backend.js';
import type { AutoCompactionOptions } from '../sqlite/compaction.js';
import { DatastoreUnavailable, type Query, type Row, type SqlConnection } from './connection.js';
import { statementsFor, type SqlDialect, type StatementName, type Statements } from './dialect.js';
import { CONNECT_TIMEOUT_MS, endpointLabel, OPEN_DEADLINE_MS, withDeadline, type SqlEndpoint } from './endpoint.js';
import { SqlBackend } from './sql-backend.js';
import { parseMysqlEndpoint } from './parse-endpoint.js';

const POLL_MS = 200;

export const MYSQL_DIALECT: SqlDialect = {
  name: 'mysql',
  schema: [
    // VARBINARY: keys compare as bytes (the order prefix ranges assume) with no trailing-space padding,
    // which MariaDB's utf8mb4_bin would apply. 2048 bytes keeps (name, id) under InnoDB's 3072-byte key.
    `CREATE TABLE IF NOT EXISTS kv_log (
       id              BIGINT          NOT NULL PRIMARY KEY,
       name            VARBINARY(2048) NOT NULL,
       created         TINYINT         NOT NULL,
       deleted         TINYINT         NOT NULL,
       create_revision BIGINT          NOT NULL,
       prev_revision   BIGINT          NOT NULL,
       value           LONGBLOB        NOT NULL,
       UNIQUE KEY kv_log_name_id (name, id)) ENGINE = InnoDB`,
    `CREATE TABLE IF NOT EXISTS kv_meta (name VARCHAR(64) NOT NULL PRIMARY KEY, value BIGINT NOT NULL) ENGINE = InnoDB`,
    `INSERT IGNORE INTO kv_meta (name, value) VALUES ('revision', 0), ('compact_revision', 0)`,
  ],
  overrides: {
    // MySQL cannot DELETE from a table its own subquery reads; a self-join says the same.
    compactSuperseded: `DELETE l FROM kv_log l JOIN kv_log c ON l.id = c.prev_revision
                        WHERE c.id > ? AND c.id <= ? AND c.prev_revision > 0`,
  },
};


function connectionConfig(e: SqlEndpoint, withDatabase = true): mysql.ConnectionOptions {
  return {
    ...(e.socketPath ? { socketPath: e.socketPath } : { host: e.host, port: e.port }),
    user: e.user, password: e.password, ...(withDatabase ? { database: e.database } : {}),
    ssl: e.tls, connectTimeout: CONNECT_TIMEOUT_MS, enableKeepAlive: true, charset: 'utf8mb4',
  };
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR',
]);

function isConnectionFailure(err: unknown): boolean {
  const { code, fatal, message } = err as { code?: string; fatal?: boolean; message?: string };
  return fatal === true || (code !== undefined && CONNECTION_CODES.has(code)) || /Pool is closed|connection is in closed state/i.test(message ?? '');
}

class MysqlConnection implements SqlConnection {
  private readonly pool: mysql.Pool;
  /** Transactions have connections of their own (as on PostgreSQL): under load the reads would
   *  otherwise hold every pooled connection while the next write batch waits for one. Two: a
   *  compaction window may run beside a write batch. */
  private readonly txPool: mysql.Pool;
  /** Transaction connections already set up (see transaction()). */
  private readonly prepared = new WeakSet<object>();

  constructor(endpoint: SqlEndpoint, private readonly statements: Statements, private readonly label: string) {
    this.pool = mysql.createPool({ ...connectionConfig(endpoint), connectionLimit: 10, maxIdle: 10, idleTimeout: 30_000 });
    this.txPool = mysql.createPool({ ...connectionConfig(endpoint), connectionLimit: 2, maxIdle: 2, idleTimeout: 30_000 });
    // mysql2's pool listens for a connection's first 'error' only (to drop it). A connection that
    // reports a second one — a socket error after the server's shutdown packet closed it, a write
    // after a fatal error — would have no listener and end the process. Every pooled connection keeps
    // this one; queries and transactions still get their errors through their callbacks.
    for (const pool of [this.pool, this.txPool]) pool.on('connection', (conn) => (conn as unknown as NodeJS.EventEmitter).on('error', () => {}));
  }

  query: Query = async (name, params = []) => {
    try {
      return await this.run(this.pool, name, params);
    } catch (err) {
      throw this.translate(err);
    }
  };

  async transaction<T>(work: (query: Query, last: Query) => Promise<T>): Promise<T> {
    let conn: mysql.PoolConnection;
    try {
      conn = await this.txPool.getConnection();
    } catch (err) {
      throw this.translate(err);
    }
    let broken = false;
    // A shutdown packet between two statements closes the connection with no statement to fail: noted
    // here, so that a COMMIT which then could not be sent is reported as not applied.
    let cut: unknown;
    const onCut = (err: unknown) => void (cut ??= err);
    const events = conn.connection as unknown as NodeJS.EventEmitter;
    events.on('error', onCut);
    try {
      // Writers read each key's latest row after taking the revision lock, and must see the commit of
      // the writer they waited for: READ COMMITTED gives every statement a fresh view, where InnoDB's
      // default REPEATABLE READ could keep an older one. Without autocommit the first statement opens
      // the transaction, which saves START TRANSACTION's round trip; these connections run nothing
      // but transactions, each ended by COMMIT or ROLLBACK (or the connection is destroyed).
      const raw = conn.connection as unknown as object;
      if (!this.prepared.has(raw)) {
        await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
        await conn.query('SET SESSION autocommit = 0');
        this.prepared.add(raw);
      }
      // The last statement goes alone: COMMIT with it would need multi-statement packets, which stay
      // off for every statement this connection runs.
      const query: Query = (name, params = []) => this.run(conn, name, params);
      const result = await work(query, query);
      // Cut before COMMIT was sent: the server rolled the transaction back, so nothing was applied.
      if (cut) {
        broken = true;
        throw this.translate(cut);
      }
      try {
        await conn.query('COMMIT');
      } catch (err) {
        if (isConnectionFailure(err)) {
          broken = true;
          throw new DatastoreUnavailable(`${this.label}: connection lost during COMMIT; the write may or may not have been applied`, true, { cause: err });
        }
        throw err;
      }
      return result;
    } catch (err) {
      if (isConnectionFailure(err)) broken = true;
      else if (!(err instanceof DatastoreUnavailable)) await conn.query('ROLLBACK').catch(() => (broken = true));
      throw err instanceof DatastoreUnavailable ? err : this.translate(err);
    } finally {
      events.off('error', onCut);
      // A connection that failed is destroyed, not handed to the next writer.
      if (broken || cut) conn.destroy();
      else conn.release();
    }
  }

  watchChanges(onChange: (revision?: number) => void): () => void {
    const timer = setInterval(() => onChange(), POLL_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end().catch(() => {}), this.txPool.end().catch(() => {})]);
  }

  private async run(on: mysql.Pool | mysql.PoolConnection, name: StatementName, params: readonly unknown[]): Promise<Row[]> {
    // execute() prepares the statement once per connection and reuses it.
    const [rows] = await on.execute(this.statements[name], params as never[]);
    return Array.isArray(rows) ? (rows as Row[]) : [];
  }

  private translate(err: unknown): unknown {
    if (isConnectionFailure(err)) return new DatastoreUnavailable(`${this.label}: ${(err as Error).message || (err as { code?: string }).code}`, false, { cause: err });
    return err;
  }
}

function explainOpenFailure(err: unknown, e: SqlEndpoint, label: string): Error {
  const { code, message } = err as { code?: string; message?: string };
  if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR') return new Error(`${label}: authentication failed for user "${e.user ?? ''}" (check the user and password)`);
  if (code === 'ER_BAD_DB_ERROR' || code === 'ER_DBACCESS_DENIED_ERROR') return new Error(`${label}: database "${e.database}" does not exist and could not be created: ${message}`);
  if (isConnectionFailure(err)) return new Error(`${label}: cannot reach MySQL at ${e.socketPath ?? `${e.host}:${e.port}`}: ${message || code}`);
  return new Error(`${label}: ${message ?? String(err)}`);
}

/** Creates the database (as K3s does) when the endpoint names one that does not exist yet. */
async function ensureDatabase(e: SqlEndpoint): Promise<void> {
  const conn = await mysql.createConnection(connectionConfig(e, false));
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${conn.escapeId(e.database)} CHARACTER SET utf8mb4`);
  } catch (err) {
    // Without the right to create databases, one that exists is still fine; connecting will tell.
    if ((err as { code?: string }).code !== 'ER_DBACCESS_DENIED_ERROR') throw err;
  } finally {
    await conn.end().catch(() => {});
  }
}

/** The bare connection layer on an existing schema, for tests of what a transaction reports. */
export function mysqlConnection(location: string): SqlConnection {
  const endpoint = parseMysqlEndpoint(location);
  return new MysqlConnection(endpoint, statementsFor(MYSQL_DIALECT), endpointLabel('mysql', endpoint));
}

export async function openMysql(location: string, opts: { autoCompaction?: Partial<AutoCompactionOptions> }): Promise<Backend> {
  const endpoint = parseMysqlEndpoint(location);
  const label = endpointLabel('mysql', endpoint);
  const conn = new MysqlConnection(endpoint, statementsFor(MYSQL_DIALECT), label);
  const open = async () => {
    await ensureDatabase(endpoint);
    const ddl = await mysql.createConnection(connectionConfig(endpoint));
    try {
      for (const statement of MYSQL_DIALECT.schema) await ddl.query(statement);
    } finally {
      await ddl.end().catch(() => {});
    }
    return SqlBackend.open({ name: 'mysql', label, conn, announce: false, autoCompaction: opts.autoCompaction });
  };
  try {
    return await withDeadline(open(), OPEN_DEADLINE_MS, `${label}: no answer within ${OPEN_DEADLINE_MS / 1000} s`, () => void conn.close());
  } catch (err) {
    await conn.close();
    throw err instanceof Error && err.message.startsWith(label) ? err : explainOpenFailure(err instanceof DatastoreUnavailable ? err.cause : err, endpoint, label);
  }
}
