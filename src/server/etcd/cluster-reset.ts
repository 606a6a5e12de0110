// `k3ts server --cluster-reset [--cluster-reset-restore-path=<snapshot>]`: make this machine's etcd a
// one-member cluster again, after quorum was lost for good or to go back to a snapshot.
//   - with a snapshot: `etcdctl snapshot restore` (etcd 3.4's etcdctl has it; etcdutl came with 3.5)
//     into a new data dir, which then replaces db/etcd (the old one is kept beside it);
//   - without: etcd's own --force-new-cluster on the existing data, once, until it serves.
// Then the server exits, as K3s's does: the next plain start serves the reset cluster, and other
// servers must empty their db/etcd and join again.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRunning, type ProcessIdentity } from '../../agent/process-identity.js';
import { EtcdAdmin } from '../../storage/etcd/etcd-admin.js';
import { loadTlsMaterial } from '../../storage/etcd/tls-files.js';
import type { ServerConfig } from '../config.js';
import type { Logger } from '../log.js';
import { managedEtcdPaths } from './etcd-paths.js';
import { ensureEtcdPki } from './etcd-pki.js';
import { startEtcdProcess } from './etcd-process.js';
import { ensureMemberName, managedEtcdTls, urlOf } from './managed-etcd.js';
import { hostname } from 'node:os';

const ETCDCTL = process.env.K3TS_ETCDCTL_BIN || '/usr/bin/etcdctl';

export async function resetManagedEtcd(config: Readonly<ServerConfig>, log: Logger): Promise<string> {
  const paths = managedEtcdPaths(config.dataDir);
  const settings = config.managedEtcd!;
  const running = existsSync(paths.pidFile) ? (JSON.parse(await readFile(paths.pidFile, 'utf8')) as ProcessIdentity) : undefined;
  if (running && isRunning(running)) throw new Error(`etcd (pid ${running.pid}) still runs on ${paths.dataDir}: stop the server first`);
  await mkdir(paths.dbDir, { recursive: true, mode: 0o700 });
  const name = await ensureMemberName(paths, config.node.nodeName ?? hostname());
  const peerURL = urlOf(config.advertiseAddress, settings.peerPort);
  const clientURL = urlOf(config.advertiseAddress, settings.clientPort);
  await ensureEtcdPki(paths, config.advertiseAddress);
  const restore = config.clusterReset?.restorePath;
  if (restore) {
    if (!existsSync(ETCDCTL)) throw new Error(`restoring a snapshot needs ${ETCDCTL}: apt-get install etcd-client`);
    const target = `${paths.dataDir}-restore-${Date.now()}`;
    const r = spawnSync(ETCDCTL, ['snapshot', 'restore', restore, '--data-dir', target, '--name', name, '--initial-cluster', `${name}=${peerURL}`, '--initial-advertise-peer-urls', peerURL], {
      env: { ...process.env, ETCDCTL_API: '3' },
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      await rm(target, { recursive: true, force: true });
      const why = `${r.stderr}`.trim().split('\n').filter(Boolean).pop() ?? `exit ${r.status}`;
      throw new Error(`etcdctl could not restore ${restore}: ${why}`);
    }
    if (existsSync(paths.dataDir)) {
      const old = `${paths.dataDir}-old-${Date.now()}`;
      await rename(paths.dataDir, old);
      log.info('kept the previous etcd data', { path: old });
    }
    await rename(target, paths.dataDir);
    log.info('restored the etcd snapshot', { snapshot: restore, member: name });
    return `restored ${restore} into a one-member etcd (${name}); start the server again without --cluster-reset. Other servers: move their <data-dir>/server/db/etcd away and join with --server`;
  }
  const proc = await startEtcdProcess({
    name,
    dataDir: paths.dataDir,
    clientURL,
    peerURL,
    tls: managedEtcdTls(paths),
    initialCluster: `${name}=${peerURL}`,
    initialClusterState: 'existing',
    forceNewCluster: true,
    logFile: paths.logFile,
    pidFile: paths.pidFile,
  });
  const admin = new EtcdAdmin(clientURL, loadTlsMaterial(managedEtcdTls(paths)));
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const members = await admin.memberList();
        if (members.length === 1) break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`etcd did not come up with --force-new-cluster: ${(err as Error).message}; see ${paths.logFile}:\n${proc.logTail(5)}`);
      }
      await sleep(300);
    }
  } finally {
    admin.close();
    await proc.stop();
  }
  log.info('reset etcd membership to this member', { member: name });
  return `etcd membership reset to this member (${name}), data kept; start the server again without --cluster-reset. Other servers: move their <data-dir>/server/db/etcd away and join with --server`;
}
