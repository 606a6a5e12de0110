// A private containerd for tests: its own temp dir, socket, CNI bridge and pod range, the carried
// pause image and a busybox image made from the machine's static busybox. `stop()` removes every
// trace (pods, shims, mounts, the bridge, the dir), so a failed test leaves nothing running.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { arch } from 'node:process';
import { join } from 'node:path';
import { buildOciArchive } from '../../images/oci-archive.js';
import type { TarEntry } from '../../images/tar.js';
import { containerdConfig, containerdPaths, type ContainerdPaths } from './config.js';
import { forgetTasks, killPid, killShimsOf, removeCgroups, removeMasqueradeRules, unmountUnder } from './host-cleanup.js';
import { removeEverySandbox } from './killall.js';
import { pauseImageArchive, PAUSE_IMAGE } from './pause-image.js';
import { ContainerdSupervisor } from './supervisor.js';

export const BUSYBOX_IMAGE = 'k3ts.local/busybox:test';
const BUSYBOX = '/bin/busybox';

/** Why the real-containerd tests cannot run here, or undefined when they can. Never a reason in CI
 *  (.ci/run sets CI): there a missing package must fail the tests, not hide them. */
export function containerdSkipReason(): string | undefined {
  if (process.env.CI) return undefined;
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
    if (existsSync(paths.socket)) await removeEverySandbox(paths.socket, () => undefined).catch(() => undefined);
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
