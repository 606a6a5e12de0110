// A server that ran on SQLite and is restarted with --cluster-init moves its data into the new managed
// etcd (K3s does the same), so going from one server to three is a restart, not a rebuild.
//
// Only the latest value of every key is copied: etcd numbers its own revisions, so every object's
// resourceVersion changes. Clients that list again (every k3ts agent, controller and kubelet does
// after a server restart) see the new ones; see flow.md for what a resumed watch sees.
//
// Crash safety rests on one file, db/sqlite-migration.json, written before etcd first starts and
// removed last:
//   marker + state.db         → a migration was started: copy again (puts overwrite), then finish;
//   marker, no state.db       → it finished but the marker stayed: remove it;
//   state.db + etcd member, no marker → both hold a cluster and neither came from the other: refuse.
// The API server starts only after the copy, the check of the key count, the record of SQLite's last
// revision in etcd (MIGRATION_RECORD_KEY, for migrated-revisions.ts), and the rename of state.db to
// state.db.migrated (the file is kept, nothing is deleted).
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Backend } from '../../storage/backend.js';
import { EtcdClient } from '../../storage/etcd/etcd-client.js';
import type { RequestOp } from '../../storage/etcd/etcd-messages.js';
import { parseEtcdEndpoints } from '../../storage/etcd/endpoints.js';
import { loadTlsMaterial, type DatastoreTlsFiles } from '../../storage/etcd/tls-files.js';
import { syncDirectory, writeFileAtomic } from '../../pki/files.js';

export interface SqliteMigrationPaths {
  /** The SQLite datastore a server without a datastore flag keeps: db/state.db. */
  sqliteFile: string;
  /** Present from before etcd's first start until state.db has been moved aside. */
  markerFile: string;
  /** etcd's data dir; `member/` in it means a member exists. */
  etcdDataDir: string;
}

export function sqliteMigrationPaths(serverDataDir: string): SqliteMigrationPaths {
  const db = join(serverDataDir, 'server', 'db');
  return { sqliteFile: join(db, 'state.db'), markerFile: join(db, 'sqlite-migration.json'), etcdDataDir: join(db, 'etcd') };
}

export type MigrationPlan =
  | { action: 'none' }
  /** A finished migration left its marker: remove it. */
  | { action: 'forget-marker' }
  | { action: 'migrate'; resumed: boolean }
  | { action: 'refuse'; reason: string };

/** What to do about a SQLite datastore when managed etcd starts; decided from files alone, before
 *  etcd or SQLite is opened. */
export function planSqliteMigration(o: { sqlite: boolean; marker: boolean; member: boolean; joining: boolean; paths: SqliteMigrationPaths }): MigrationPlan {
  const { sqliteFile, etcdDataDir } = o.paths;
  if (!o.sqlite) return o.marker ? { action: 'forget-marker' } : { action: 'none' };
  if (o.marker) return { action: 'migrate', resumed: true };
  if (o.member) {
    return {
      action: 'refuse',
      reason: `${sqliteFile} (a SQLite datastore) and ${etcdDataDir} (an etcd member) both hold cluster data, and neither was migrated from the other here: move away the one to drop (to migrate SQLite into a new etcd, move ${etcdDataDir} away and start with --cluster-init)`,
    };
  }
  if (o.joining) {
    return {
      action: 'refuse',
      reason: `this data dir holds a SQLite cluster (${sqliteFile}) that joining with --server would leave behind: start with --cluster-init instead to move its data into etcd, or move ${sqliteFile} away to join`,
    };
  }
  return { action: 'migrate', resumed: false };
}

export async function writeMigrationMarker(paths: SqliteMigrationPaths): Promise<void> {
  await writeFileAtomic(paths.markerFile, JSON.stringify({ from: paths.sqliteFile, startedAt: new Date().toISOString() }) + '\n', 0o600);
}

export interface CopyResult {
  keys: number;
  bytes: number;
  /** SQLite's revision the copy was read at: every resourceVersion a client holds is at most this. */
  sqliteRevision: number;
}

/** Written into etcd once the copy is complete, for migrated-revisions.ts. */
export const MIGRATION_RECORD_KEY = '/k3ts/sqlite-migration';

export interface MigrationRecord {
  sqliteRevision: number;
  keys: number;
  movedAt: string;
}

// etcd 3.4's defaults: at most 128 operations per transaction and 1.5 MiB per request.
const MAX_OPS = 128;
const MAX_BATCH_BYTES = 1024 * 1024;
const PAGE = 1000;

/** Copies the latest value of every key from `source` into etcd, in transactions of many puts.
 *  Repeating it after an interruption overwrites what the first run wrote. `afterBatch` is told the
 *  running count (tests use it to interrupt). */
export async function copyIntoEtcd(source: Backend, client: EtcdClient, afterBatch?: (copied: number) => void): Promise<CopyResult> {
  const revision = await source.currentRevision();
  let after: string | undefined;
  let keys = 0;
  let bytes = 0;
  let batch: RequestOp[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await client.txn({ compare: [], success: batch, failure: [] });
    keys += batch.length;
    bytes += batchBytes;
    batch = [];
    batchBytes = 0;
    afterBatch?.(keys);
  };
  for (;;) {
    const page = await source.list({ prefix: '', after, limit: PAGE, revision });
    for (const kv of page.items) {
      const key = Buffer.from(kv.key, 'utf8');
      const value = Buffer.from(kv.value, 'utf8');
      if (batch.length >= MAX_OPS || (batch.length > 0 && batchBytes + key.length + value.length > MAX_BATCH_BYTES)) await flush();
      batch.push({ requestPut: { key, value } });
      batchBytes += key.length + value.length;
    }
    if (!page.more || page.items.length === 0) break;
    after = page.items[page.items.length - 1]!.key;
  }
  await flush();
  return { keys, bytes, sqliteRevision: revision };
}

async function countKeys(source: Backend): Promise<number> {
  let n = 0;
  let after: string | undefined;
  const revision = await source.currentRevision();
  for (;;) {
    const page = await source.list({ prefix: '', after, limit: PAGE, revision });
    n += page.items.length;
    if (!page.more || page.items.length === 0) return n;
    after = page.items[page.items.length - 1]!.key;
  }
}

/** Keeps the file under a name no later start takes for a datastore: state.db.migrated, or with a
 *  time added when an earlier migration already used that name. WAL files go with it. */
async function moveAside(sqliteFile: string): Promise<string> {
  let target = `${sqliteFile}.migrated`;
  if (existsSync(target)) target = `${sqliteFile}.migrated-${Date.now()}`;
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(sqliteFile + suffix)) await rename(sqliteFile + suffix, target + suffix);
  }
  await rename(sqliteFile, target);
  await syncDirectory(dirname(sqliteFile));
  return target;
}

export interface MigrationOptions {
  paths: SqliteMigrationPaths;
  /** The SQLite datastore, opened (and so locked) before etcd started. */
  source: Backend;
  etcd: { endpoint: string; tls?: DatastoreTlsFiles };
  resumed: boolean;
  afterBatch?: (copied: number) => void;
}

export interface MigrationResult extends CopyResult {
  ms: number;
  keptAs: string;
}

/** Copies, checks that etcd holds as many keys, then moves state.db aside and drops the marker.
 *  Closes `source` in every case. */
export async function migrateSqliteToEtcd(o: MigrationOptions): Promise<MigrationResult> {
  const started = performance.now();
  const client = new EtcdClient({ endpoints: parseEtcdEndpoints(o.etcd.endpoint), tls: loadTlsMaterial(o.etcd.tls), callTimeoutMs: 60_000 });
  let copied: CopyResult;
  try {
    copied = await copyIntoEtcd(o.source, client, o.afterBatch);
    const expected = await countKeys(o.source);
    const record = Buffer.from(MIGRATION_RECORD_KEY, 'utf8');
    const all = Number((await client.range({ key: Buffer.from([0]), rangeEnd: Buffer.from([0]), countOnly: true })).count);
    const recorded = Number((await client.range({ key: record, countOnly: true })).count);
    // etcd holds only what this copy put there (nothing else writes before the API server starts),
    // and the record when an earlier run got that far.
    const held = all - recorded;
    if (held !== expected) throw new Error(`after copying, etcd holds ${held} keys where ${basename(o.paths.sqliteFile)} holds ${expected}; nothing was moved aside, the next start copies again`);
    const value: MigrationRecord = { sqliteRevision: copied.sqliteRevision, keys: copied.keys, movedAt: new Date().toISOString() };
    await client.txn({ compare: [], success: [{ requestPut: { key: record, value: Buffer.from(JSON.stringify(value), 'utf8') } }], failure: [] });
  } finally {
    client.close();
    await o.source.close();
  }
  const keptAs = await moveAside(o.paths.sqliteFile);
  await rm(o.paths.markerFile, { force: true });
  await syncDirectory(dirname(o.paths.markerFile));
  return { ...copied, ms: Math.round(performance.now() - started), keptAs };
}
