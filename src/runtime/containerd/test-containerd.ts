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
    { type: 'dir', path: 'bin', mode: 0o755 },
    { type: 'file', path: 'bin/busybox', content: readFileSync(BUSYBOX), mode: 0o755 },
    ...applets.map((a): TarEntry => ({ type: 'symlink', path: `bin/${a}`, target: 'busybox' })),
    { type: 'dir', path: 'etc', mode: 0o755 },
    { type: 'file', path: 'etc/passwd', mode: 0o644, content: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n') },
    { type: 'file', path: 'etc/group', mode: 0o644, content: Buffer.from('root:x:0:\nnobody:x:65534:\n') },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'dir', path: 'root', mode: 0o700 },
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

/** Scrubs of test nodes still up, run if the test process is told to stop before its teardown. */
const live = new Set<() => void>();
let signalsHooked = false;

function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      for (const scrub of live) scrub();
      process.kill(process.pid, sig);
    });
  }
  process.once('exit', () => {
    for (const scrub of live) scrub();
  });
}

export async function startTestContainerd(): Promise<TestContainerd> {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-ctd-'));
  const paths = containerdPaths(dir);
  const suffix = randomBytes(4).toString('hex');
  const bridgeName = `k3t${suffix}`;
  const cgroupParent = `/k3ts-test-${suffix}`;
  const podCidr = freePodCidr();
  const supervisor = new ContainerdSupervisor({ paths, log: () => undefined });
  // Everything but the CRI calls, synchronously, so it also works from a signal handler.
  let containerdRunning = false;
  const scrub = () => {
    live.delete(scrub);
    // Only while it runs: once stopped and reaped, its PID may be someone else's.
    if (containerdRunning && supervisor.pid) killPid(supervisor.pid);
    killShimsOf(paths.socket);
    forgetTasks(paths);
    removeCgroups(cgroupParent);
    removeMasqueradeRules(podCidr);
    unmountUnder(dir);
    spawnSync('ip', ['link', 'del', bridgeName], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  const stop = async () => {
    await removeEveryPod(paths.socket).catch(() => undefined);
    await supervisor.stop();
    containerdRunning = false;
    scrub();
  };
  hookSignals();
  live.add(scrub);
  try {
    mkdirSync(paths.dir, { recursive: true });
    writeFileSync(paths.config, containerdConfig({ paths, streamAddress: '127.0.0.1', cniBinDir: '/usr/lib/cni', sandboxImage: PAUSE_IMAGE }));
    const t0 = Date.now();
    containerdRunning = true;
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
    // The log goes with the dir: keep its end in the error.
    let tail = '';
    try {
      tail = readFileSync(paths.log, 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      // no log yet
    }
    await stop();
    throw new Error(`${(err as Error).message}\ncontainerd log:\n${tail}`);
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
    if (cmdline.includes('containerd-shim') && cmdline.split('\0').includes(socket)) killPid(Number(pid));
  }
}

/** What tasks whose shim was killed leave in the machine-wide places every containerd shares: the
 *  shim's socket, runc's state and CNI's cached results. Ours are the tasks under our state dir. */
function forgetTasks(paths: ContainerdPaths): void {
  const tasks = join(paths.state, 'io.containerd.runtime.v2.task', 'k8s.io');
  let ids: string[];
  try {
    ids = readdirSync(tasks);
  } catch {
    return;
  }
  for (const id of ids) {
    try {
      rmSync(readFileSync(join(tasks, id, 'address'), 'utf8').trim().replace(/^unix:\/\//, ''), { force: true });
    } catch {
      // no shim socket recorded
    }
    rmSync(join('/run/containerd/runc/k8s.io', id), { recursive: true, force: true });
    rmSync(join('/var/lib/cni/results', `k3ts-${id}-eth0`), { force: true });
    rmSync(join('/var/lib/cni/results', `cni-loopback-${id}-lo`), { force: true });
  }
}

/** Container processes a killed shim left behind (none when every pod was removed), then the
 *  parent cgroup in every hierarchy, children first. */
function removeCgroups(parent: string): void {
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
  for (const pid of pids) killPid(pid);
  // A killed process leaves its cgroup a moment later.
  if (pids.length) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
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

/** The bridge plugin's masquerade rules for pods whose CNI DEL never ran (the range is ours alone). */
function removeMasqueradeRules(podCidr: string): void {
  const prefix = podCidr.slice(0, podCidr.lastIndexOf('.') + 1);
  const rules = (spawnSync('iptables', ['-t', 'nat', '-S', 'POSTROUTING'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((r) => r.startsWith('-A '));
  const ours = rules.flatMap((rule, i) => {
    const m = / -s (\S+)\/32 .*-j (CNI-[0-9a-f]+)/.exec(rule);
    return m && m[1]!.startsWith(prefix) ? [{ number: i + 1, chain: m[2]! }] : [];
  });
  // By rule number, last first, so the numbers of the others do not shift.
  for (const { number, chain } of ours.reverse()) {
    spawnSync('iptables', ['-t', 'nat', '-D', 'POSTROUTING', String(number)], { stdio: 'ignore' });
    spawnSync('iptables', ['-t', 'nat', '-F', chain], { stdio: 'ignore' });
    spawnSync('iptables', ['-t', 'nat', '-X', chain], { stdio: 'ignore' });
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
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
