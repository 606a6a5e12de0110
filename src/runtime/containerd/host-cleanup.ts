// What a node's containerd leaves on the machine when it or its shims were killed instead of
// asked: shims still running, containers in the node's cgroups, mounts under the node's dir, runc's
// and CNI's records in the machine-wide places every containerd shares, and the bridge plugin's
// masquerade rules. Synchronous on purpose: a test's signal handler and `k3ts killall` use the same
// steps, and a signal handler cannot wait for promises.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerdPaths } from './config.js';

const CGROUP_ROOT = '/sys/fs/cgroup';

export function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** SIGTERM, then SIGKILL to those still there after `graceMs`. */
export async function terminatePids(pids: number[], graceMs = 5000): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some((pid) => existsSync(`/proc/${pid}`))) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids) if (existsSync(`/proc/${pid}`)) killPid(pid);
}

/** mountinfo escapes space, tab, newline and backslash in paths as \ooo. */
const unescapeMount = (field: string) => field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));

/** Mount points at or below `dir`, deepest first (so children unmount before their parents). */
export function mountsUnder(dir: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map(unescapeMount)
    .filter((p) => p === dir || p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Lazily unmounts whatever containerd or the kubelet mounted under `dir`; the points it could not unmount. */
export function unmountUnder(dir: string): { unmounted: string[]; failed: string[] } {
  const unmounted: string[] = [];
  const failed: string[] = [];
  for (const point of mountsUnder(dir)) (spawnSync('umount', ['-l', point], { stdio: 'ignore' }).status === 0 ? unmounted : failed).push(point);
  return { unmounted, failed };
}

function cmdlineOf(pid: string): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
}

function processIds(): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p));
}

/** PIDs of containerd processes started with this node's config: ours, even when the agent that
 *  started them was killed and left them behind. */
export function containerdPidsFor(configPath: string): number[] {
  return processIds()
    .filter((pid) => {
      const argv = cmdlineOf(pid);
      return !!argv?.[0]?.endsWith('containerd') && argv.includes(configPath);
    })
    .map(Number);
}

/** Shims outlive containerd by design; ours are the ones whose command line names our socket. */
export function killShimsOf(socket: string): number {
  let killed = 0;
  for (const pid of processIds()) {
    const argv = cmdlineOf(pid);
    if (argv?.some((a) => a.includes('containerd-shim')) && argv.includes(socket)) {
      killPid(Number(pid));
      killed++;
    }
  }
  return killed;
}

/** What tasks whose shim was killed leave in the machine-wide places every containerd shares: the
 *  shim's socket, runc's state and CNI's cached results. Ours are the tasks under our state dir. */
export function forgetTasks(paths: ContainerdPaths): void {
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

function dirsUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name));
  } catch {
    return [];
  }
  return [...entries.flatMap(dirsUnder), dir];
}

/** Container processes a killed shim left behind (none when every pod was removed), then the
 *  parent cgroup in every hierarchy, children first. True when nothing of it is left. */
export function removeCgroups(parent: string): boolean {
  const pids = [join(CGROUP_ROOT, 'pids', parent), join(CGROUP_ROOT, parent)].flatMap(dirsUnder).flatMap((d) => {
    try {
      return readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
  for (const pid of pids) killPid(pid);
  // A killed process leaves its cgroup a moment later.
  if (pids.length) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
  let left = false;
  // cgroup v2 has one tree at the root; v1 one per controller below it.
  for (const base of [CGROUP_ROOT, ...readdirSync(CGROUP_ROOT).map((h) => join(CGROUP_ROOT, h))]) {
    for (const d of dirsUnder(join(base, parent))) {
      try {
        rmdirSync(d);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') left = true;
      }
    }
  }
  return !left;
}

/** An empty cgroup in every hierarchy (the parent all nodes share); kept while another node uses it. */
export function removeEmptyCgroup(path: string): void {
  for (const base of [CGROUP_ROOT, ...readdirSync(CGROUP_ROOT).map((h) => join(CGROUP_ROOT, h))]) {
    try {
      rmdirSync(join(base, path));
    } catch {
      // absent, or still has a node's cgroups in it
    }
  }
}

/** The bridge plugin's masquerade rules for pods whose CNI DEL never ran (the range is the node's alone). */
export function removeMasqueradeRules(podCidr: string): number {
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
  return ours.length;
}

export function deleteLink(name: string): boolean {
  return spawnSync('ip', ['link', 'delete', name], { stdio: 'ignore' }).status === 0;
}
