// The datastores `npm run bench -- --datastore …` can put under the server: SQLite (the server's own
// file, nothing to start) or a private etcd, PostgreSQL or MariaDB on 127.0.0.1, started here and removed
// by stop(). Every one keeps its durable defaults (each acknowledged write fsynced), as the upstream
// reference's etcd does: the test helpers turn fsync off, which would make the comparison unfair.

import { execFileSync } from 'node:child_process';
import { TestEtcd, etcdSkipReason } from '../src/storage/etcd/test-etcd.js';
import { MariadbServer, mariadbSkipReason } from '../test/support/mariadb-server.js';
import { PostgresServer, postgresSkipReason } from '../test/support/postgres-server.js';

export const DATASTORES = ['sqlite', 'etcd', 'postgres', 'mysql'] as const;
export type DatastoreKind = (typeof DATASTORES)[number];

export function isDatastoreKind(s: string): s is DatastoreKind {
  return (DATASTORES as readonly string[]).includes(s);
}

export interface RunningDatastore {
  kind: DatastoreKind;
  /** What was measured, e.g. "etcd 3.4.23". */
  label: string;
  /** For the server's K3TS_DATASTORE_ENDPOINT (kept out of its arguments: it holds a password);
   *  undefined for SQLite, the server's default. */
  endpoint: string | undefined;
  /** The database server's PID, to read its RSS and CPU (undefined for SQLite). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Why this datastore cannot be benchmarked here (its server is not installed), or undefined. */
export function datastoreSkipReason(kind: DatastoreKind): string | undefined {
  if (kind === 'etcd') return etcdSkipReason();
  if (kind === 'postgres') return postgresSkipReason();
  if (kind === 'mysql') return mariadbSkipReason();
  return undefined;
}

/** The first line a binary prints for --version (or the fallback if it cannot be run). */
function versionOf(cmd: string, args: string[], pattern: RegExp, fallback: string): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = pattern.exec(out);
    return m ? m[1]! : fallback;
  } catch {
    return fallback;
  }
}

export async function startDatastore(kind: DatastoreKind): Promise<RunningDatastore> {
  if (kind === 'sqlite') return { kind, label: 'SQLite (embedded)', endpoint: undefined, pid: undefined, stop: async () => {} };
  if (kind === 'etcd') {
    const etcd = await TestEtcd.start();
    const label = `etcd ${versionOf('etcd', ['--version'], /etcd Version:\s*(\S+)/, '?')}`;
    return { kind, label, endpoint: etcd.endpoint, pid: etcd.pid, stop: () => etcd.stop() };
  }
  if (kind === 'postgres') {
    const pg = await PostgresServer.start({ durable: true });
    try {
      const db = await pg.database();
      const label = `PostgreSQL ${versionOf('sh', ['-c', 'ls /usr/lib/postgresql | sort -n | tail -1'], /(\d+)/, '?')}`;
      return { kind, label, endpoint: db.url, pid: pg.pid, stop: () => pg.stop() };
    } catch (err) {
      await pg.stop();
      throw err;
    }
  }
  const maria = await MariadbServer.start({ durable: true });
  try {
    const db = await maria.database();
    const label = `MariaDB ${versionOf('mariadbd', ['--version'], /Ver\s+(\d+\.\d+\.\d+)/, '?')}`;
    return { kind, label, endpoint: db.url, pid: maria.pid, stop: () => maria.stop() };
  } catch (err) {
    await maria.stop();
    throw err;
  }
}
