// A private containerd for tests: its own temp dir, socket, CNI bridge and pod range, the carried
// pause image and a busybox image made from the machine's static busybox. `stop()` removes every
// trace (pods, shims, mounts, the bridge, the dir), so a failed test leaves nothing running.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { arch } from 'node:process';
import { join } from 'node:path';
import { buildOciArchive } from '../../images/oci-archive.js';
import type { TarEntry } from '../../images/tar.js';
import { containerdConfig, containerdPaths, type ContainerdPaths } from './config.js';
import { connectCri } from './cri/client.js';
import { pauseImageArchive, PAUSE_IMAGE } from './pause-image.js';
import { ContainerdSupervisor } from './supervisor.js';

export const BUSYBOX_IMAGE = 'k3ts.local/busybox:test';
const BUSYBOX = '/bin/busybox';

/** Why the real-containerd tests cannot run here, or undefined when they can. */
export function containerdSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (containerd, runc and CNI create namespaces, cgroups and bridges)';
  for (const bin of ['containerd', 'ctr', 'runc']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} is not installed (apt-get install containerd)`;
  }
  if (!existsSync(BUSYBOX)) return `${BUSYBOX} is missing (apt-get install busybox-static)`;
  if (!existsSync('/usr/lib/cni/bridge')) return 'CNI plugins are missing (apt-get install containernetworking-plugins)';
  return undefined;
}

/** busybox with one symlink per applet: sh, sleep, cat, head, tr, id... */
export function busyboxImageArchive(): Buffer {
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  const files: TarEntry[] = [
    { path: 'bin' },
    { path: 'bin/busybox', content: readFileSync(BUSYBOX), mode: 0o755 },
    ...applets.map((a) => ({ path: `bin/${a}`, symlink: 'busybox' })),
    { path: 'etc' },
    { path: 'etc/passwd', content: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n') },
    { path: 'etc/group', content: Buffer.from('root:x:0:\nnobody:x:65534:\n') },
    { path: 'tmp', mode: 0o1777 },
    { path: 'root', mode: 0o700 },
  ];
  return buildOciArchive({
    name: BUSYBOX_IMAGE,
    architecture: arch === 'arm64' ? 'arm64' : 'amd64',
    files,
    config: { cmd: ['sh'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
  }).tar;
}

/** A /24 in 10.200-10.254 that no route on this machine uses yet (other nodes' bridges). */
function freePodCidr(): string {
  const routes = execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' });
  for (let i = 0; i < 100; i++) {
    const prefix = `10.${200 + Math.floor(Math.random() * 55)}.${Math.floor(Math.random() * 256)}.`;
    if (!routes.includes(prefix)) return `${prefix}0/24`;
  }
  throw new Error('no free /24 in 10.200.0.0-10.254.255.0');
}

export interface TestContainerd {
  dir: string;
  paths: ContainerdPaths;
  bridgeName: string;
  podCidr: string;
  /** This node's own cgroup parent, so its pods are found (and removed) by it alone. */
  cgroupParent: string;
  /** Milliseconds from spawning containerd to its first CRI answer. */
  startMs: number;
  supervisor: ContainerdSupervisor;
  /** Removes every pod, stops containerd, kills shims it left, unmounts, deletes the bridge and the dir. */
  stop(): Promise<void>;
}

export async function startTestContainerd(): Promise<TestContainerd> {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-ctd-'));
  const paths = containerdPaths(dir);
  const suffix = randomBytes(4).toString('hex');
  const bridgeName = `k3t${suffix}`;
  const cgroupParent = `/k3ts-test-${suffix}`;
  const podCidr = freePodCidr();
  const logs: string[] = [];
  const supervisor = new ContainerdSupervisor({ paths, log: (msg, fields) => logs.push(`${msg} ${JSON.stringify(fields ?? {})}`) });
  const stop = async () => {
    await removeEveryPod(paths.socket).catch(() => undefined);
    await supervisor.stop();
    killShimsOf(paths.socket);
    await removeCgroups(cgroupParent);
    unmountUnder(dir);
    spawnSync('ip', ['link', 'del', bridgeName], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    mkdirSync(paths.dir, { recursive: true });
    writeFileSync(paths.config, containerdConfig({ paths, streamAddress: '127.0.0.1', cniBinDir: '/usr/lib/cni', sandboxImage: PAUSE_IMAGE }));
    const t0 = Date.now();
    await supervisor.start();
    const startMs = Date.now() - t0;
    for (const [name, tar] of [['pause', pauseImageArchive()], ['busybox', busyboxImageArchive()]] as const) {
      const file = join(dir, `${name}.tar`);
      writeFileSync(file, tar);
      execFileSync('ctr', ['-a', paths.socket, '-n', 'k8s.io', 'images', 'import', file], { stdio: 'pipe' });
      rmSync(file);
    }
    return { dir, paths, bridgeName, podCidr, cgroupParent, startMs, supervisor, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function removeEveryPod(socket: string): Promise<void> {
  if (!existsSync(socket)) return;
  const cri = connectCri(socket, { defaultDeadlineMs: 30_000 });
  try {
    const { items } = await cri.runtime.ListPodSandbox!({});
    for (const s of items as Array<{ id: string }>) {
      await cri.runtime.StopPodSandbox!({ podSandboxId: s.id }).catch(() => undefined);
      await cri.runtime.RemovePodSandbox!({ podSandboxId: s.id }).catch(() => undefined);
    }
  } finally {
    cri.close();
  }
}

/** Shims outlive containerd by design; ours are the ones whose command line names our socket. */
function killShimsOf(socket: string): void {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes('containerd-shim') && cmdline.split('\0').includes(socket)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Container processes a killed shim left behind (none when every pod was removed), then the
 *  parent cgroup in every hierarchy, children first. */
async function removeCgroups(parent: string): Promise<void> {
  const root = '/sys/fs/cgroup';
  const dirsUnder = (dir: string): string[] => {
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
    } catch {
      return [];
    }
    return [...entries.flatMap(dirsUnder), dir];
  };
  const pids = dirsUnder(join(root, 'pids', parent)).flatMap((d) => {
    try {
      return readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (pids.length) await new Promise((r) => setTimeout(r, 200));
  for (const hierarchy of readdirSync(root)) {
    for (const d of dirsUnder(join(root, hierarchy, parent))) {
      try {
        rmdirSync(d);
      } catch {
        // not there in this hierarchy, or still busy
      }
    }
  }
}

/** Whatever containerd mounted under our dir (snapshots, netns, shm) and did not unmount. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && (m === dir || m.startsWith(`${dir}/`)));
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
}
