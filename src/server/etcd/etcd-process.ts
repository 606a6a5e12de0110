// Debian's etcd binary as a child of the server. It is started under `setpriv --pdeathsig KILL`, so
// the kernel kills it the moment the server dies, even by SIGKILL: a dead server's etcd must not
// stay behind holding its ports and voting in the cluster, as it would not in K3s (etcd in-process).
// Its output goes to <data-dir>/server/db/etcd.log; its PID and start time to etcd.pid (killall).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { writeFileAtomic } from '../../pki/files.js';
import { processStartTime } from '../../agent/process-identity.js';

export const ETCD_BINARY = process.env.K3TS_ETCD_BIN || '/usr/bin/etcd';

export function checkEtcdInstalled(): void {
  if (!existsSync(ETCD_BINARY)) throw new Error(`managed etcd needs ${ETCD_BINARY}, which is not installed: apt-get install etcd-server`);
}

export interface EtcdProcessOptions {
  name: string;
  dataDir: string;
  clientURL: string;
  peerURL: string;
  tls: { caFile: string; certFile: string; keyFile: string };
  /** `name=peerURL,...`; read by etcd only when its data dir is new. */
  initialCluster: string;
  initialClusterState: 'new' | 'existing';
  /** --force-new-cluster: keep the data, drop every other member (cluster reset). */
  forceNewCluster?: boolean;
  logFile: string;
  pidFile: string;
}

export interface EtcdProcess {
  readonly pid: number;
  /** Settles when the process ends, however. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, SIGKILL after graceMs; only this PID. */
  stop(graceMs?: number): Promise<void>;
  logTail(lines?: number): string;
}

const hasSetpriv = () => spawnSync('sh', ['-c', 'command -v setpriv'], { stdio: 'ignore' }).status === 0;

export function etcdArguments(o: EtcdProcessOptions): string[] {
  const { caFile, certFile, keyFile } = o.tls;
  return [
    '--name', o.name,
    '--data-dir', o.dataDir,
    '--listen-client-urls', o.clientURL,
    '--advertise-client-urls', o.clientURL,
    '--listen-peer-urls', o.peerURL,
    '--initial-advertise-peer-urls', o.peerURL,
    '--initial-cluster', o.initialCluster,
    '--initial-cluster-state', o.initialClusterState,
    '--cert-file', certFile, '--key-file', keyFile, '--client-cert-auth', '--trusted-ca-file', caFile,
    '--peer-cert-file', certFile, '--peer-key-file', keyFile, '--peer-client-cert-auth', '--peer-trusted-ca-file', caFile,
    // As K3s: snapshots of the raft log every 10000 entries keep etcd's memory small (3.4's default is 100000).
    '--snapshot-count', '10000',
    '--logger', 'zap', '--log-outputs', 'stderr',
    ...(o.forceNewCluster ? ['--force-new-cluster'] : []),
  ];
}

export async function startEtcdProcess(o: EtcdProcessOptions): Promise<EtcdProcess> {
  checkEtcdInstalled();
  const log = openSync(o.logFile, 'a', 0o600);
  const args = etcdArguments(o);
  let child: ChildProcess;
  try {
    child = hasSetpriv()
      ? spawn('setpriv', ['--pdeathsig', 'KILL', '--', ETCD_BINARY, ...args], { stdio: ['ignore', log, log] })
      : spawn(ETCD_BINARY, args, { stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: -1, signal: null }));
  });
  const pid = child.pid ?? -1;
  if (pid > 0) await writeFileAtomic(o.pidFile, JSON.stringify({ pid, startTime: processStartTime(pid) ?? '' }), 0o600);
  let ended = false;
  void exited.then(() => {
    ended = true;
    void rm(o.pidFile, { force: true });
  });
  return {
    pid,
    exited,
    async stop(graceMs = 10_000) {
      if (ended) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    logTail(lines = 15) {
      try {
        return readFileSync(o.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '(no etcd log)';
      }
    },
  };
}
