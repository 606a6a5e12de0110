// Where managed etcd keeps its things in a server's data dir. The CA sits beside the cluster's
// other CAs (and is shared with joining servers like them); the rest belongs to this member.
import { join } from 'node:path';

/** Relative to `<data-dir>/server/`, as bootstrap-data.ts names shared files. */
export const ETCD_CA_FILES = ['tls/etcd/server-ca.crt', 'tls/etcd/server-ca.key'] as const;

export interface ManagedEtcdPaths {
  dbDir: string;
  /** etcd's --data-dir; `member/` inside it means this server already is a member. */
  dataDir: string;
  caCert: string;
  caKey: string;
  /** This member's certificate: serving clients and peers, and k3ts's own client identity. */
  memberCert: string;
  memberKey: string;
  /** The member name, chosen once so a restart keeps it. */
  nameFile: string;
  /** The client URL of the running member, for `k3ts etcd-snapshot`. */
  endpointFile: string;
  /** Until this member is promoted from learner: its ID and the other members' client URLs, so a
   *  server that stopped in between can finish the promotion at its next start. */
  promotionFile: string;
  /** PID and start time of the etcd process, for `k3ts killall`. */
  pidFile: string;
  logFile: string;
  snapshotDir: string;
}

export function managedEtcdPaths(serverDataDir: string): ManagedEtcdPaths {
  const server = join(serverDataDir, 'server');
  const dbDir = join(server, 'db');
  return {
    dbDir,
    dataDir: join(dbDir, 'etcd'),
    caCert: join(server, ETCD_CA_FILES[0]),
    caKey: join(server, ETCD_CA_FILES[1]),
    memberCert: join(server, 'tls', 'etcd', 'member.crt'),
    memberKey: join(server, 'tls', 'etcd', 'member.key'),
    nameFile: join(dbDir, 'etcd-member-name'),
    endpointFile: join(dbDir, 'etcd-endpoint'),
    pidFile: join(dbDir, 'etcd.pid'),
    promotionFile: join(dbDir, 'etcd-promotion.json'),
    logFile: join(dbDir, 'etcd.log'),
    snapshotDir: join(dbDir, 'snapshots'),
  };
}
