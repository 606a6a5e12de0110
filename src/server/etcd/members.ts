// `k3ts etcd-member list|remove`: the membership of this machine's managed etcd, through its own
// member (the endpoint and certificate in its data dir, as `k3ts etcd-snapshot` reaches it). Removal
// is how an operator retires a server that has no Node to delete (--disable-agent); a server with a
// Node loses its member when the Node is deleted (member-removal.ts). Two removals are refused
// because they end the cluster's datastore rather than shrink it: this server's own member, and the
// last voting member.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { EtcdAdmin, type EtcdMember } from '../../storage/etcd/etcd-admin.js';
import { EtcdError } from '../../storage/etcd/etcd-client.js';
import { loadTlsMaterial } from '../../storage/etcd/tls-files.js';
import { managedEtcdPaths } from './etcd-paths.js';
import { managedEtcdTls } from './managed-etcd.js';

export class MemberError extends Error {}

export interface MemberRow {
  name: string;
  /** etcd's member ID in hex, as etcdctl prints it. */
  id: string;
  role: 'voter' | 'learner';
  peerURLs: string[];
  clientURLs: string[];
  self: boolean;
}

const hexId = (decimal: string) => BigInt(decimal).toString(16);

export function memberRows(members: EtcdMember[], selfName: string): MemberRow[] {
  return members
    .map((m) => ({ name: m.name, id: hexId(m.ID), role: m.isLearner ? ('learner' as const) : ('voter' as const), peerURLs: m.peerURLs, clientURLs: m.clientURLs, self: m.name === selfName }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** The member `wanted` names (its name, or its hex ID for one that never started and so has no
 *  name), or a MemberError saying in one line why it may not be removed. */
export function memberToRemove(members: EtcdMember[], selfName: string, wanted: string): EtcdMember {
  const found = members.find((m) => m.name === wanted) ?? members.find((m) => hexId(m.ID) === wanted.toLowerCase().replace(/^0x/, ''));
  if (!found) {
    const known = memberRows(members, selfName).map((r) => (r.name || r.id) + (r.self ? ' (this server)' : ''));
    throw new MemberError(`no etcd member named "${wanted}"; the members are: ${known.join(', ')}`);
  }
  if (found.name === selfName) {
    throw new MemberError(`"${wanted}" is this server's own etcd member: removing it would take this server's datastore away; stop this server for good and run the remove on another one`);
  }
  const voters = members.filter((m) => !m.isLearner);
  if (!found.isLearner && voters.length === 1) {
    throw new MemberError(`"${wanted}" is the last voting etcd member: removing it would leave the cluster without a datastore`);
  }
  return found;
}

/** etcd's own quorum guard (--strict-reconfig-check, on by default) in words an operator can act on. */
export function explainRemoveRefusal(err: unknown, wanted: string): string {
  const details = err instanceof EtcdError ? err.details : (err as Error)?.message ?? String(err);
  // Only members connected for the last 5 s count as healthy; a member that has just joined does not yet.
  if (/unhealthy cluster/.test(details)) return `etcd refused to remove "${wanted}" now: without it too few members have been connected long enough to keep quorum (a member counts after 5 s connected); try again shortly, or start the missing members first`;
  if (/not enough started members/.test(details)) return `etcd refused to remove "${wanted}": the members left would be too few started ones to keep quorum; start the missing members first`;
  return `etcd refused to remove "${wanted}": ${details}`;
}

/** An admin client on this data dir's member, and that member's name; fails with one line when no
 *  managed etcd runs here. */
async function openLocal(dataDir: string): Promise<{ admin: EtcdAdmin; selfName: string; endpoint: string }> {
  const paths = managedEtcdPaths(dataDir);
  if (!existsSync(paths.endpointFile) || !existsSync(paths.nameFile)) {
    throw new MemberError(`${dataDir} runs no managed etcd (no ${paths.endpointFile}); start the server with --cluster-init or --server, or pass its --data-dir`);
  }
  const endpoint = (await readFile(paths.endpointFile, 'utf8')).trim();
  const selfName = (await readFile(paths.nameFile, 'utf8')).trim();
  const admin = new EtcdAdmin(endpoint, loadTlsMaterial(managedEtcdTls(paths)), 5_000);
  return { admin, selfName, endpoint };
}

async function withLocal<T>(dataDir: string, use: (admin: EtcdAdmin, selfName: string, members: EtcdMember[]) => Promise<T>): Promise<T> {
  const { admin, selfName, endpoint } = await openLocal(dataDir);
  try {
    let members: EtcdMember[];
    try {
      members = await admin.memberList();
    } catch (err) {
      throw new MemberError(`etcd at ${endpoint} does not answer (${(err as Error).message}); is the server running?`);
    }
    return await use(admin, selfName, members);
  } finally {
    admin.close();
  }
}

export function listMembers(dataDir: string): Promise<MemberRow[]> {
  return withLocal(dataDir, async (_admin, selfName, members) => memberRows(members, selfName));
}

export function removeMember(dataDir: string, wanted: string): Promise<MemberRow> {
  return withLocal(dataDir, async (admin, selfName, members) => {
    const member = memberToRemove(members, selfName, wanted);
    try {
      await admin.remove(member.ID);
    } catch (err) {
      throw new MemberError(explainRemoveRefusal(err, wanted));
    }
    return memberRows([member], selfName)[0]!;
  });
}
