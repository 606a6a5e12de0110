// Removes everything a node's containerd runs and leaves on the machine: every pod sandbox (and so
// its containers, shims, network namespace, veth and CNI address), the node's bridge, and any mount
// left under the node's data dir. Containers outlive the agent on purpose (an agent restart adopts
// them); this is what `k3ts killall` and `k3ts down` use when the node is meant to go away.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { connectCri, type CriClient } from './cri/client.js';
import { containerdPaths } from './config.js';
import { bridgeNameFor } from './managed.js';
import { ContainerdSupervisor } from './supervisor.js';

const run = promisify(execFile);

export interface KillallReport {
  sandboxes: number;
  unmounted: string[];
  bridgeRemoved: boolean;
}

async function answers(socket: string): Promise<boolean> {
  if (!existsSync(socket)) return false;
  const cri = connectCri(socket, { defaultDeadlineMs: 1500 });
  try {
    await cri.runtime.Version!({ version: 'v1' });
    return true;
  } catch {
    return false;
  } finally {
    cri.close();
  }
}

/** Mount points at or below `dir`, deepest first (so parents unmount after their children). */
export function mountsUnder(dir: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    // mountinfo escapes spaces and the like as octal.
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** PIDs of containerd processes started with this node's config: ours, even when the agent that
 *  started them was killed and left them behind. */
export function containerdPidsFor(configPath: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('containerd') && argv.includes(configPath)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The node's agent must be stopped first (it would start every pod again); the caller sees to it. */
export async function killallNode(o: { agentDir: string; log(msg: string, fields?: Record<string, unknown>): void }): Promise<KillallReport> {
  const paths = containerdPaths(o.agentDir);
  const report: KillallReport = { sandboxes: 0, unmounted: [], bridgeRemoved: false };
  let started: ContainerdSupervisor | undefined;
  // The shims still run the containers when containerd is down; only containerd can end them.
  if (!(await answers(paths.socket)) && existsSync(paths.config)) {
    started = new ContainerdSupervisor({ paths, log: o.log });
    await started.start();
  }
  const leftBehind = started ? [] : containerdPidsFor(paths.config);
  let cri: CriClient | undefined;
  try {
    if (await answers(paths.socket)) {
      cri = connectCri(paths.socket, { defaultDeadlineMs: 60_000 });
      const { items } = (await cri.runtime.ListPodSandbox!({})) as { items: Array<{ id: string }> };
      for (const sandbox of items) {
        await cri.runtime.StopPodSandbox!({ podSandboxId: sandbox.id });
        await cri.runtime.RemovePodSandbox!({ podSandboxId: sandbox.id });
        report.sandboxes++;
      }
    }
  } finally {
    cri?.close();
    await started?.stop();
  }
  for (const pid of leftBehind) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
  }
  for (let i = 0; i < 50 && leftBehind.some((pid) => existsSync(`/proc/${pid}`)); i++) await new Promise((r) => setTimeout(r, 100));
  for (const point of mountsUnder(o.agentDir)) {
    try {
      await run('umount', ['-l', point]);
      report.unmounted.push(point);
    } catch (err) {
      o.log('could not unmount', { path: point, error: (err as Error).message });
    }
  }
  const bridge = bridgeNameFor(o.agentDir);
  if (existsSync(`/sys/class/net/${bridge}`)) {
    await run('ip', ['link', 'delete', bridge]);
    report.bridgeRemoved = true;
  }
  return report;
}
