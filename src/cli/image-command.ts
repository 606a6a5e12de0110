// `k3ts image import|ls`: images for machines without a registry (as `k3s ctr images import`), on
// this machine's node, or on every node of a `k3ts up` cluster.
import { Command } from 'commander';
import { resolve } from 'node:path';
import { currentEnvironment, defaultDataDir } from '../agent/environment.js';
import { fail } from './fail.js';

function dataDirOf(flag: string | undefined): string {
  const env = currentEnvironment();
  return resolve(flag || env.env.K3TS_DATA_DIR || defaultDataDir(env));
}

// Loaded when a subcommand runs: it brings the gRPC client, which the other commands do without.
const nodeImages = () => import('../images/node-images.js');

async function nodesOf(dataDir: string): Promise<string[]> {
  const dirs = await (await nodeImages()).nodeDirsIn(dataDir);
  if (dirs.length === 0) fail(`no node in ${dataDir}: pass the --data-dir of the server, agent or "k3ts up" cluster`);
  return dirs;
}

const dataDirHelp = 'data dir of the server or agent, or of a "k3ts up" cluster for all its nodes (default: /var/lib/k3ts as root, else ~/.k3ts; env K3TS_DATA_DIR)';

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

export function imageCommand(): Command {
  const image = new Command('image').description('Images on this machine\'s nodes, for clusters without a registry');
  image
    .command('import')
    .description('Import image archives (docker save, or an OCI layout as tar; .tar, .tar.gz, .tgz) into the node; they are kept in <data-dir>/agent/images and imported again at every start')
    .argument('<file...>', 'image archives')
    .option('-d, --data-dir <dir>', dataDirHelp)
    .action(async (files: string[], flags: { dataDir?: string }) => {
      const nodeDirs = await nodesOf(dataDirOf(flags.dataDir));
      try {
        for (const file of files) {
          for (const r of await (await nodeImages()).importIntoNodes({ file: resolve(file), nodeDirs })) {
            const what = r.images === undefined ? 'kept; imported when the node starts' : r.images.length ? `imported ${r.images.join(', ')}` : 'imported (the archive names no image: tag it, e.g. build with --name)';
            process.stdout.write(`${r.nodeDir}: ${file}: ${what}\n`);
          }
        }
      } catch (err) {
        fail((err as Error).message);
      }
    });
  image
    .command('ls')
    .description('List the images in the node\'s containerd')
    .option('-d, --data-dir <dir>', dataDirHelp)
    .action(async (flags: { dataDir?: string }) => {
      for (const nodeDir of await nodesOf(dataDirOf(flags.dataDir))) {
        const images = await (await nodeImages()).listNodeImages(nodeDir);
        if (!images) {
          process.stdout.write(`${nodeDir}: containerd is not running\n`);
          continue;
        }
        for (const img of images.sort((a, b) => a.image.localeCompare(b.image))) {
          process.stdout.write(`${nodeDir}\t${img.names.filter((n) => !n.includes('@')).join(',') || img.imageRef}\t${mib(img.sizeBytes)}\n`);
        }
      }
    });
  return image;
}
