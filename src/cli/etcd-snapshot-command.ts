// `k3ts etcd-snapshot save|ls|delete|prune`: snapshots of this machine's managed etcd (K3s's
// command of the same name); restore with `k3ts server --cluster-reset --cluster-reset-restore-path`.
import { Command } from 'commander';
import { resolve } from 'node:path';
import { currentEnvironment, defaultDataDir } from '../agent/environment.js';
import { fail } from './fail.js';

interface Common {
  dataDir?: string;
  etcdSnapshotDir?: string;
  name?: string;
}

const dataDirOf = (flags: Common) => {
  const env = currentEnvironment();
  return resolve(flags.dataDir || env.env.K3TS_DATA_DIR || defaultDataDir(env));
};

function common(cmd: Command): Command {
  return cmd
    .option('-d, --data-dir <dir>', 'the server\'s data dir (default: /var/lib/k3ts as root, else ~/.k3ts; env K3TS_DATA_DIR)')
    .option('--etcd-snapshot-dir <dir>', 'where snapshots are kept (default: <data-dir>/server/db/snapshots)');
}

async function run(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    fail((err as Error)?.message ?? String(err));
  }
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

export function etcdSnapshotCommand(): Command {
  const cmd = new Command('etcd-snapshot').description('Save, list, delete and prune snapshots of the managed etcd (servers started with --cluster-init or --server)');
  cmd.addCommand(
    common(new Command('save').description('Save a snapshot of this server\'s etcd'))
      .option('--name <prefix>', 'snapshot name prefix (default: etcd-snapshot); the file is <prefix>-<node>-<unix time>')
      .action((flags: Common) =>
        run(async () => {
          const { saveSnapshot } = await import('../server/etcd/snapshots.js');
          const s = await saveSnapshot({ dataDir: dataDirOf(flags), name: flags.name, dir: flags.etcdSnapshotDir && resolve(flags.etcdSnapshotDir) });
          process.stdout.write(`saved ${s.path} (${mb(s.size)})\n`);
        }),
      ),
  );
  cmd.addCommand(
    common(new Command('ls').alias('list').description('List the snapshots, newest first')).action((flags: Common) =>
      run(async () => {
        const { listSnapshots, snapshotDir } = await import('../server/etcd/snapshots.js');
        const all = await listSnapshots(snapshotDir(dataDirOf(flags), flags.etcdSnapshotDir && resolve(flags.etcdSnapshotDir)));
        const rows = [['Name', 'Location', 'Size', 'Created'], ...all.map((s) => [s.name, `file://${s.path}`, String(s.size), s.createdAt.toISOString()])];
        const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
        process.stdout.write(rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join(' ').trimEnd()).join('\n') + '\n');
      }),
    ),
  );
  cmd.addCommand(
    common(new Command('delete').description('Delete snapshots by name'))
      .argument('<names...>', 'snapshot names, as "ls" shows them')
      .action((names: string[], flags: Common) =>
        run(async () => {
          const { deleteSnapshots, snapshotDir } = await import('../server/etcd/snapshots.js');
          const gone = await deleteSnapshots(snapshotDir(dataDirOf(flags), flags.etcdSnapshotDir && resolve(flags.etcdSnapshotDir)), names);
          process.stdout.write(`deleted ${gone.join(', ')}\n`);
        }),
      ),
  );
  cmd.addCommand(
    common(new Command('prune').description('Keep only the newest snapshots of a name prefix'))
      .option('--name <prefix>', 'snapshot name prefix (default: etcd-snapshot)')
      .option('--snapshot-retention <n>', 'how many to keep (default: 5)', '5')
      .action((flags: Common & { snapshotRetention: string }) =>
        run(async () => {
          const { pruneSnapshots, snapshotDir } = await import('../server/etcd/snapshots.js');
          const retention = Number(flags.snapshotRetention);
          const gone = await pruneSnapshots(snapshotDir(dataDirOf(flags), flags.etcdSnapshotDir && resolve(flags.etcdSnapshotDir)), { prefix: flags.name, retention });
          process.stdout.write(gone.length ? `deleted ${gone.join(', ')}\n` : 'nothing to prune\n');
        }),
      ),
  );
  return cmd;
}
