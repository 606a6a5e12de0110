// The managed-etcd flags, resolved in one place and refused with one line each. Managed etcd is on
// with --cluster-init, with --server (and no --datastore-endpoint), or when the data dir already
// holds a member; the datastore is then this member over TLS.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../../agent/environment.js';
import { managedEtcdPaths, type ManagedEtcdPaths } from './etcd-paths.js';
import type { ManagedEtcdSettings } from './managed-etcd.js';
import { parseCron } from './cron.js';
import type { SnapshotScheduleSettings } from './snapshot-schedule.js';

export interface ManagedEtcdFlags {
  clusterInit?: boolean;
  server?: string;
  clusterReset?: boolean;
  clusterResetRestorePath?: string;
  etcdClientPort?: string | number;
  etcdPeerPort?: string | number;
  etcdSnapshotScheduleCron?: string;
  etcdSnapshotRetention?: string | number;
  etcdSnapshotDir?: string;
  etcdDisableSnapshots?: boolean;
}

export interface ClusterResetSettings {
  /** A snapshot file to restore; without it the member's own data is kept and the others dropped. */
  restorePath?: string;
}

export interface ManagedEtcdConfig {
  managedEtcd?: ManagedEtcdSettings;
  /** Scheduled snapshots; undefined when off. */
  etcdSnapshots?: SnapshotScheduleSettings;
  clusterReset?: ClusterResetSettings;
  datastoreEndpoint?: string;
  datastoreTls?: { caFile: string; certFile: string; keyFile: string };
}

function port(flag: string, v: string | number | undefined, fallback: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new ConfigError(`${flag}: "${v}" is not a port number (1-65535)`);
  return n;
}

const hostPort = (address: string, p: number) => `${address.includes(':') ? `[${address}]` : address}:${p}`;

export function resolveManagedEtcd(flags: ManagedEtcdFlags, o: { dataDir: string; advertiseAddress: string; externalDatastore?: string; port: number }): ManagedEtcdConfig {
  const paths: ManagedEtcdPaths = managedEtcdPaths(o.dataDir);
  const isMember = existsSync(paths.dataDir);
  if (o.externalDatastore) {
    if (flags.clusterInit) throw new ConfigError('--cluster-init starts a managed etcd and cannot be combined with --datastore-endpoint (an external datastore): drop one of them');
    if (flags.server) throw new ConfigError('--server joins a managed etcd cluster; servers on --datastore-endpoint share that datastore instead: drop --server');
    if (flags.clusterReset) throw new ConfigError('--cluster-reset resets a managed etcd; this server uses --datastore-endpoint');
    return {};
  }
  if (flags.clusterResetRestorePath && !flags.clusterReset) throw new ConfigError('--cluster-reset-restore-path needs --cluster-reset');
  const restorePath = flags.clusterResetRestorePath ? resolve(flags.clusterResetRestorePath) : undefined;
  if (restorePath && !existsSync(restorePath)) throw new ConfigError(`--cluster-reset-restore-path: ${restorePath} does not exist (snapshots are in ${paths.snapshotDir}; see "k3ts etcd-snapshot ls")`);
  if (flags.clusterReset && !restorePath && !isMember) throw new ConfigError(`--cluster-reset: ${paths.dataDir} holds no etcd member to reset; pass --cluster-reset-restore-path=<snapshot> to start from a snapshot`);
  let joinServer: string | undefined;
  if (flags.server) {
    let url: URL;
    try {
      url = new URL(flags.server);
    } catch {
      throw new ConfigError(`--server: "${flags.server}" is not a URL; use https://<first server>:6443`);
    }
    if (url.protocol !== 'https:') throw new ConfigError(`--server: "${flags.server}" must be https://<first server>:6443`);
    if (flags.clusterInit) throw new ConfigError('--cluster-init starts a new cluster and --server joins an existing one: pass only one');
    joinServer = url.origin;
  }
  if (!flags.clusterInit && !joinServer && !isMember && !flags.clusterReset) return {};
  const clientPort = port('--etcd-client-port', flags.etcdClientPort, 2379);
  const peerPort = port('--etcd-peer-port', flags.etcdPeerPort, 2380);
  if (clientPort === peerPort || clientPort === o.port || peerPort === o.port) throw new ConfigError('--etcd-client-port, --etcd-peer-port and --https-listen-port must all differ');
  return {
    managedEtcd: { joinServer, clientPort, peerPort },
    ...snapshotSchedule(flags),
    ...(flags.clusterReset ? { clusterReset: { restorePath } } : {}),
    datastoreEndpoint: `https://${hostPort(o.advertiseAddress, clientPort)}`,
    datastoreTls: { caFile: paths.caCert, certFile: paths.memberCert, keyFile: paths.memberKey },
  };
}

function snapshotSchedule(flags: ManagedEtcdFlags): { etcdSnapshots?: SnapshotScheduleSettings } {
  const cron = flags.etcdSnapshotScheduleCron ?? '0 */12 * * *';
  if (flags.etcdDisableSnapshots || cron.trim() === '') return {};
  try {
    parseCron(cron);
  } catch (err) {
    throw new ConfigError(`--etcd-snapshot-schedule-cron: ${(err as Error).message}`);
  }
  const retention = flags.etcdSnapshotRetention === undefined || flags.etcdSnapshotRetention === '' ? 5 : Number(flags.etcdSnapshotRetention);
  if (!Number.isInteger(retention) || retention < 1) throw new ConfigError(`--etcd-snapshot-retention: "${flags.etcdSnapshotRetention}" must be a whole number of at least 1`);
  return { etcdSnapshots: { cron, retention, ...(flags.etcdSnapshotDir ? { dir: resolve(flags.etcdSnapshotDir) } : {}) } };
}
