// Managed etcd: before the server opens its datastore, it makes sure this machine runs an etcd
// member and hands back the endpoint and TLS files to open. Three starts, told apart by the data dir:
//   - a member already (db/etcd/member exists): start it; --cluster-init / --server no longer matter;
//   - --server: ask that server to add us (join-handler.ts), take the shared files, start as a
//     learner of the existing cluster, and promote ourselves once caught up;
//   - --cluster-init: a new one-member cluster.
import { existsSync } from 'node:fs';
import { readFile, writeFile, mkdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EtcdAdmin, type EtcdMember } from '../../storage/etcd/etcd-admin.js';
import { EtcdError } from '../../storage/etcd/etcd-client.js';
import { loadTlsMaterial, type DatastoreTlsFiles } from '../../storage/etcd/tls-files.js';
import type { Logger } from '../log.js';
import { managedEtcdPaths, type ManagedEtcdPaths } from './etcd-paths.js';
import { ensureEtcdPki } from './etcd-pki.js';
import { checkEtcdInstalled, startEtcdProcess, type EtcdProcess } from './etcd-process.js';
import { evenMembersWarning } from './quorum.js';
import { requestServerJoin, writeJoinFiles } from './server-join-client.js';

export interface ManagedEtcdSettings {
  /** `--server`: join the cluster this server belongs to. */
  joinServer?: string;
  clientPort: number;
  peerPort: number;
}

export interface ManagedEtcdStart {
  dataDir: string;
  advertiseAddress: string;
  nodeName: string;
  token?: string;
  settings: ManagedEtcdSettings;
  log: Logger;
  /** Called when etcd ends while the server still needs it. */
  onUnexpectedExit(reason: string): void;
}

export interface ManagedEtcd {
  /** For openBackend: this member's client URL. */
  endpoint: string;
  tls: Required<DatastoreTlsFiles>;
  /** Membership and snapshots through this member. */
  admin: EtcdAdmin;
  memberName: string;
  stop(): Promise<void>;
}

export const urlOf = (address: string, port: number) => `https://${address.includes(':') ? `[${address}]` : address}:${port}`;

export function managedEtcdTls(paths: ManagedEtcdPaths): Required<DatastoreTlsFiles> {
  return { caFile: paths.caCert, certFile: paths.memberCert, keyFile: paths.memberKey };
}

/** The member name: chosen once (node name plus a random suffix, as K3s does, so a reinstalled
 *  machine of the same name is a new member) and kept. */
export async function ensureMemberName(paths: ManagedEtcdPaths, nodeName: string): Promise<string> {
  const name = await memberName(paths, nodeName);
  await writeFile(paths.nameFile, `${name}\n`, { mode: 0o600 });
  return name;
}

/** The kept name, or a new one not yet written (a refused join leaves nothing behind). */
async function memberName(paths: ManagedEtcdPaths, nodeName: string): Promise<string> {
  if (existsSync(paths.nameFile)) return (await readFile(paths.nameFile, 'utf8')).trim();
  const base = nodeName.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 50).replace(/^[-.]+|[-.]+$/g, '') || 'server';
  return `${base}-${randomBytes(4).toString('hex')}`;
}

export async function startManagedEtcd(o: ManagedEtcdStart): Promise<ManagedEtcd> {
  checkEtcdInstalled();
  const paths = managedEtcdPaths(o.dataDir);
  await mkdir(paths.dbDir, { recursive: true, mode: 0o700 });
  const name = await memberName(paths, o.nodeName);
  const clientURL = urlOf(o.advertiseAddress, o.settings.clientPort);
  const peerURL = urlOf(o.advertiseAddress, o.settings.peerPort);
  const isMember = existsSync(`${paths.dataDir}/member`);
  let initialCluster = `${name}=${peerURL}`;
  let state: 'new' | 'existing' = 'new';
  let promote: { id: string; others: string[] } | undefined;

  if (!isMember && o.settings.joinServer) {
    if (!o.token) throw new Error('--server needs --token: the first server\'s <data-dir>/server/token');
    o.log.info('asking to join the etcd cluster', { server: o.settings.joinServer, member: name, peerURL });
    const joined = await requestServerJoin({ server: o.settings.joinServer, token: o.token, name, peerURL, log: (msg, fields) => o.log.info(msg, fields) });
    await writeJoinFiles(o.dataDir, joined.files);
    initialCluster = joined.members.flatMap((m) => (m.id === joined.memberId ? [`${name}=${peerURL}`] : m.name ? m.peerURLs.map((u) => `${m.name}=${u}`) : [])).join(',');
    state = 'existing';
    promote = { id: joined.memberId, others: joined.members.filter((m) => m.id !== joined.memberId).flatMap((m) => m.clientURLs) };
    await writeFile(paths.promotionFile, JSON.stringify(promote), { mode: 0o600 });
  } else if (isMember && existsSync(paths.promotionFile)) {
    // Stopped after joining but before it was promoted: still a learner, which serves no reads.
    promote = JSON.parse(await readFile(paths.promotionFile, 'utf8')) as { id: string; others: string[] };
  }
  await writeFile(paths.nameFile, `${name}\n`, { mode: 0o600 });
  const pki = await ensureEtcdPki(paths, o.advertiseAddress);
  for (const path of pki.written) o.log.info('wrote', { path, reason: 'managed etcd certificate' });
  const tls = managedEtcdTls(paths);

  let stopping = false;
  const proc: EtcdProcess = await startEtcdProcess({
    name,
    dataDir: paths.dataDir,
    clientURL,
    peerURL,
    tls,
    initialCluster,
    initialClusterState: state,
    logFile: paths.logFile,
    pidFile: paths.pidFile,
  });
  void proc.exited.then(({ code, signal }) => {
    if (!stopping) o.onUnexpectedExit(`etcd (pid ${proc.pid}) exited (${signal ?? `code ${code}`}); see ${paths.logFile}:\n${proc.logTail(5)}`);
  });
  const admin = new EtcdAdmin(clientURL, loadTlsMaterial(tls));
  const stop = async () => {
    stopping = true;
    admin.close();
    await proc.stop();
  };
  try {
    await waitServing(admin, proc, paths);
    if (promote) {
      await promoteSelf(promote, tls, o.log);
      await rm(paths.promotionFile, { force: true });
    }
    const members = await admin.memberList().catch(() => [] as EtcdMember[]);
    const warning = evenMembersWarning(members.filter((m) => !m.isLearner).length);
    if (warning) o.log.warn(warning);
    await writeFile(paths.endpointFile, `${clientURL}\n`, { mode: 0o600 });
    o.log.info('managed etcd is serving', { member: name, clientURL, pid: proc.pid, members: members.length, started: isMember ? 'existing member' : promote ? 'joined' : 'new cluster' });
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint: clientURL, tls, admin, memberName: name, stop };
}

/** Until the member answers Status (a learner does too), or etcd exits: its last lines say why. */
async function waitServing(admin: EtcdAdmin, proc: EtcdProcess, paths: ManagedEtcdPaths): Promise<void> {
  let gone = false;
  void proc.exited.then(() => (gone = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`etcd exited at start; its last lines (${paths.logFile}):\n${proc.logTail(8)}`);
    try {
      await admin.status();
      return;
    } catch {
      await sleep(200);
    }
  }
  throw new Error(`etcd did not answer within 60 s; see ${paths.logFile}`);
}

/** A learner becomes a voter once it holds the leader's log; etcd refuses earlier promotion, so ask
 *  until it agrees. Asked through the other members: a learner serves no cluster calls itself. */
async function promoteSelf(p: { id: string; others: string[] }, tls: Required<DatastoreTlsFiles>, log: Logger): Promise<void> {
  const others = new EtcdAdmin(p.others.join(','), loadTlsMaterial(tls));
  const deadline = Date.now() + 120_000;
  try {
    for (;;) {
      try {
        await others.promote(p.id);
        log.info('this etcd member is now a voting member');
        return;
      } catch (err) {
        // Promoted already (a restart after the promotion, before the file was removed).
        // etcd: "can only promote a learner member" (a voter already), versus "… which is in sync
        // with leader" (not caught up yet: ask again).
        if (err instanceof EtcdError && err.details.includes('can only promote a learner member') && !err.details.includes('in sync')) return;
        if (!(err instanceof EtcdError) || Date.now() > deadline) throw err;
        // "can only promote a learner member which is in sync with leader"
        await sleep(500);
      }
    }
  } finally {
    others.close();
  }
}
