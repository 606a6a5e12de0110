// The server's call into managed etcd: its settings from the config, and what happens when etcd
// dies under a running server (the server stops too: it has no datastore left, and a supervisor
// restarting the whole server brings both back, as with K3s's in-process etcd).
import { hostname } from 'node:os';
import type { ServerConfig } from '../config.js';
import type { Logger } from '../log.js';
import { startManagedEtcd, type ManagedEtcd } from './managed-etcd.js';
import { startSnapshotSchedule } from './snapshot-schedule.js';

export async function startManagedEtcdFor(config: Readonly<ServerConfig>, log: Logger): Promise<ManagedEtcd> {
  const etcd = await startManagedEtcd({
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
  if (!config.etcdSnapshots) return etcd;
  const stopSchedule = startSnapshotSchedule({ ...config.etcdSnapshots, dataDir: config.dataDir, nodeName: config.node.nodeName ?? hostname(), log });
  return { ...etcd, stop: () => (stopSchedule(), etcd.stop()) };
}
