// `k3ts etcd-member list|remove`: the members of this machine's managed etcd, and removing one whose
// server is gone for good (a server started with --disable-agent has no Node whose deletion would).
import { Command } from 'commander';
import { resolve } from 'node:path';
import { currentEnvironment, defaultDataDir } from '../agent/environment.js';
import { fail } from './fail.js';

interface Flags {
  dataDir?: string;
}

const dataDirOf = (flags: Flags) => {
  const env = currentEnvironment();
  return resolve(flags.dataDir || env.env.K3TS_DATA_DIR || defaultDataDir(env));
};

const withDataDir = (cmd: Command) => cmd.option('-d, --data-dir <dir>', 'the server\'s data dir (default: /var/lib/k3ts as root, else ~/.k3ts; env K3TS_DATA_DIR)');

async function run(action: () => Promise<void>): Promise<void> {
  // grpc-js names the TLS server by the member's IP address, which Node warns about on every
  // connection; the answer here is one line, so the deprecation notice is not printed.
  process.noDeprecation = true;
  try {
    await action();
  } catch (err) {
    fail((err as Error)?.message ?? String(err));
  }
}

export function etcdMemberCommand(): Command {
  const cmd = new Command('etcd-member').description('List the managed etcd\'s members, or remove the member of a server that is gone for good');
  cmd.addCommand(
    withDataDir(new Command('list').alias('ls').description('List the members (through this server\'s own member)')).action((flags: Flags) =>
      run(async () => {
        const { listMembers } = await import('../server/etcd/members.js');
        const rows = (await listMembers(dataDirOf(flags))).map((m) => [m.name || '(not started)', m.id, m.role, m.peerURLs.join(','), m.clientURLs.join(','), m.self ? 'yes' : '']);
        const table = [['NAME', 'ID', 'ROLE', 'PEER URLS', 'CLIENT URLS', 'THIS SERVER'], ...rows];
        const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
        process.stdout.write(table.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
      }),
    ),
  );
  cmd.addCommand(
    withDataDir(new Command('remove').alias('rm').description('Remove a member by name (or hex ID), e.g. of a --disable-agent server taken out of the cluster'))
      .argument('<name>', 'the member\'s name, as "list" shows it')
      .action((name: string, flags: Flags) =>
        run(async () => {
          const { removeMember } = await import('../server/etcd/members.js');
          const gone = await removeMember(dataDirOf(flags), name);
          process.stdout.write(`removed etcd member ${gone.name || gone.id} (${gone.id}); its server, if still running, stops. To bring it back, empty its <data-dir>/server/db/etcd and start it with --server\n`);
        }),
      ),
  );
  return cmd;
}
