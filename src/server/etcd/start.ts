// The server's call into managed etcd: its settings from the config, and what happens when etcd
// dies under a running server (the server stops too: it has no datastore left, and a supervisor
// restarting the whole server brings both back, as with K3s's in-process etcd). A SQLite datastore
// left by an earlier start is moved into etcd here, before anything serves (sqlite-migration.ts).
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../../storage/backend.js';
import type { ServerConfig } from '../config.js';
import type { Logger } from '../log.js';
import { startManagedEtcd, type ManagedEtcd } from './managed-etcd.js';
import { startSnapshotSchedule } from './snapshot-schedule.js';
import { migrateSqliteToEtcd, planSqliteMigration, sqliteMigrationPaths, writeMigrationMarker } from './sqlite-migration.js';

export async function startManagedEtcdFor(config: Readonly<ServerConfig>, log: Logger): Promise<ManagedEtcd> {
  const paths = sqliteMigrationPaths(config.dataDir);
  const plan = planSqliteMigration({
    sqlite: existsSync(paths.sqliteFile),
    marker: existsSync(paths.markerFile),
    member: existsSync(join(paths.etcdDataDir, 'member')),
    joining: !!config.managedEtcd!.joinServer,
    paths,
  });
  if (plan.action === 'refuse') throw new Error(plan.reason);
  if (plan.action === 'forget-marker') await rm(paths.markerFile, { force: true });
  let source: Backend | undefined;
  if (plan.action === 'migrate') {
    // Opened first: it takes SQLite's lock, so a server still running on it stops this one here.
    const { SqliteBackend } = await import('../../storage/sqlite/sqlite-backend.js');
    source = SqliteBackend.open({ path: paths.sqliteFile, autoCompaction: { intervalMs: 0 } });
    if (!plan.resumed) await writeMigrationMarker(paths);
    log.info(plan.resumed ? 'an earlier move of the SQLite datastore into etcd did not finish; copying again' : 'moving the SQLite datastore into the new managed etcd', { from: paths.sqliteFile });
  }
  let etcd: ManagedEtcd;
  try {
    etcd = await startManagedEtcd({
      dataDir: config.dataDir,
      advertiseAddress: config.advertiseAddress,
      nodeName: config.node.nodeName ?? hostname(),
      token: config.token,
      settings: config.managedEtcd!,
      log,
      onUnexpectedExit: (reason) => {
        log.error(`managed etcd stopped under the server; stopping the server: ${reason}`);
        process.exitCode = 1;
        process.kill(process.pid, 'SIGTERM');
      },
    });
  } catch (err) {
    await source?.close();
    throw err;
  }
  if (source) {
    try {
      const moved = await migrateSqliteToEtcd({ paths, source, etcd: { endpoint: etcd.endpoint, tls: etcd.tls }, resumed: plan.action === 'migrate' && plan.resumed });
      log.info(`moved the SQLite datastore into etcd: ${moved.keys} keys (${(moved.bytes / 1024 / 1024).toFixed(1)} MiB) in ${moved.ms} ms; every resourceVersion is new, clients list again; the SQLite file is kept as ${moved.keptAs}`);
    } catch (err) {
      await etcd.stop();
      throw new Error(`moving ${paths.sqliteFile} into etcd failed (the next start copies again): ${(err as Error).message}`);
    }
  }
  if (!config.etcdSnapshots) return etcd;
  const stopSchedule = startSnapshotSchedule({ ...config.etcdSnapshots, dataDir: config.dataDir, nodeName: config.node.nodeName ?? hostname(), log });
  return { ...etcd, stop: () => (stopSchedule(), etcd.stop()) };
}
