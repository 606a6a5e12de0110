// `k3ts killall`: stop this machine's k3ts and remove every container, shim, pod network and mount
// it left (as K3s's k3s-killall.sh). The data dir stays: `k3ts server`/`agent` start again from it.
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { currentEnvironment, defaultDataDir } from '../agent/environment.js';
import { fail } from './fail.js';

export function killallCommand(): Command {
  return new Command('killall')
    .description('Stop k3ts on this machine and remove all its containers, shims, pod networks and mounts (the data dir stays)')
    .option('-d, --data-dir <dir>', 'the data dir of the server or agent (default: /var/lib/k3ts as root, else ~/.k3ts; env K3TS_DATA_DIR)')
    .action(async (flags: { dataDir?: string }) => {
      const env = currentEnvironment();
      const dataDir = resolve(flags.dataDir || env.env.K3TS_DATA_DIR || defaultDataDir(env));
      if (existsSync(join(dataDir, 'up.json'))) fail(`${dataDir} holds a cluster started by "k3ts up": run "k3ts down --data-dir ${dataDir}" instead`);
      if (!existsSync(join(dataDir, 'agent'))) {
        // A server without its own node may still have left its managed etcd running.
        if (existsSync(join(dataDir, 'server', 'db', 'etcd.pid'))) {
          const { stopLeftoverEtcd } = await import('../server/etcd/killall.js');
          const pid = await stopLeftoverEtcd(dataDir).catch((err: Error) => fail(`killall failed: ${err.message}`));
          process.stdout.write(pid ? `stopped etcd (pid ${pid})\n` : 'etcd was not running\n');
          return;
        }
        fail(`no node in ${dataDir} (no agent/ dir): pass the --data-dir the server or agent ran with`);
      }
      if (env.uid !== 0 && existsSync(join(dataDir, 'agent', 'containerd'))) fail('killall needs root to stop containers and remove their mounts: run it with sudo');
      try {
        const { killallNodeDir } = await import('../agent/killall.js');
        const r = await killallNodeDir(dataDir, (msg, fields) => process.stderr.write(`${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`));
        const etcdPid = await (await import('../server/etcd/killall.js')).stopLeftoverEtcd(dataDir);
        const parts = [
          r.stoppedPid ? `stopped k3ts (pid ${r.stoppedPid})` : 'k3ts was not running',
          ...(etcdPid ? [`stopped etcd (pid ${etcdPid})`] : []),
          `removed ${r.sandboxes} pod sandbox(es)`,
          ...(r.shimsKilled ? [`killed ${r.shimsKilled} shim(s)`] : []),
          `unmounted ${r.unmounted.length} mount(s)`,
          ...(r.bridgeRemoved ? ['deleted the pod bridge'] : []),
          ...(r.networkRemoved.length ? [`removed ${r.networkRemoved.join(', ')}`] : []),
        ];
        process.stdout.write(`${parts.join('; ')}\n`);
        if (r.stillMounted.length) fail(`still mounted (busy): ${r.stillMounted.join(', ')}; close what uses them and run killall again`);
      } catch (err) {
        fail(`killall failed: ${(err as Error)?.message ?? String(err)}`);
      }
    });
}
