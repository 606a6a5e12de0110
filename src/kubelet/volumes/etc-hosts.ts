// The /etc/hosts each container of a pod sees, written by the kubelet as upstream's does: the
// loopback names, the pod's own address and hostname, then the pod's hostAliases. Host-network
// pods see the node's own hosts file instead (plus their aliases). Written in place, never
// replaced by rename: the file is bind-mounted on its own, and a mount holds the inode it was
// given, so a new inode would go unseen.
import type { HostAlias } from 'kubernetes-types/core/v1.js';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Mount } from '../../runtime/types.js';

export interface EtcHostsOptions {
  hostname: string;
  /** The pod's address; without one (not known yet) the hostname line is left out. */
  ip?: string;
  /** `<hostname>.<subdomain>.<namespace>.svc.<cluster domain>` for a pod with a subdomain. */
  fqdn?: string;
  hostAliases?: HostAlias[];
  /** The pod shares the node's network: start from the node's hosts file. */
  hostNetwork?: boolean;
  /** The node's hosts file (tests point it elsewhere). */
  nodeHostsFile?: string;
}

export const ETC_HOSTS_FILE = 'etc-hosts';

export function etcHostsContent(o: EtcHostsOptions, nodeHosts = ''): string {
  const lines: string[] = [];
  if (o.hostNetwork) {
    lines.push('# Kubernetes-managed hosts file (host network).', ...nodeHosts.replace(/\n$/, '').split('\n'));
  } else {
    lines.push(
      '# Kubernetes-managed hosts file.',
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      'fe00::0\tip6-localnet',
      'fe00::0\tip6-mcastprefix',
      'fe00::1\tip6-allnodes',
      'fe00::2\tip6-allrouters',
    );
    if (o.ip) lines.push(o.fqdn ? `${o.ip}\t${o.fqdn}\t${o.hostname}` : `${o.ip}\t${o.hostname}`);
  }
  const aliases = (o.hostAliases ?? []).filter((a) => a.ip && a.hostnames?.length);
  if (aliases.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) lines.push(`${a.ip}\t${a.hostnames!.join('\t')}`);
  }
  return lines.join('\n') + '\n';
}

/** Writes `<podDir>/etc-hosts` and returns its mount at /etc/hosts. Call again when the IP becomes known. */
export async function writeEtcHosts(podDir: string, o: EtcHostsOptions): Promise<Mount> {
  await mkdir(podDir, { recursive: true, mode: 0o750 });
  const nodeHosts = o.hostNetwork ? await readFile(o.nodeHostsFile ?? '/etc/hosts', 'utf8').catch(() => '') : '';
  const path = join(podDir, ETC_HOSTS_FILE);
  await writeFile(path, etcHostsContent(o, nodeHosts));
  await chmod(path, 0o644);
  return { containerPath: '/etc/hosts', hostPath: path, readOnly: false };
}
