// Removes everything a node's containerd runs and leaves on the machine: every pod sandbox (and so
// its containers, shims, network namespace, veth and CNI address), the node's containerd, its
// cgroups, its bridge, and any mount left under the node's data dir. Containers outlive the agent
// on purpose (an agent restart adopts them); this is what `k3ts killall` and `k3ts down` use when
// the node is meant to go away.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { connectCri, type CriClient } from './cri/client.js';
import { containerdPaths } from './config.js';
import { readConfiguredPodCidr } from './cni-config.js';
import { containerdPidsFor, deleteLink, forgetTasks, killPid, killShimsOf, terminatePids, removeCgroups, removeEmptyCgroup, removeMasqueradeRules, unmountUnder } from './host-cleanup.js';
import { bridgeNameFor, cgroupParentFor } from './managed.js';
import { ContainerdSupervisor } from './supervisor.js';

export interface KillallReport {
  /** Pod sandboxes containerd stopped and removed. */
  sandboxes: number;
  /** Shims that had to be killed because containerd could not remove their pods. */
  shimsKilled: number;
  unmounted: string[];
  /** Mount points still there (busy): the one thing a retry may need. */
  stillMounted: string[];
  bridgeRemoved: boolean;
}

/** Whether a containerd answers CRI on `socket` (a socket file alone may be left from a killed one). */
export async function containerdAnswers(socket: string): Promise<boolean> {
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

/** Stops and removes every pod sandbox containerd knows; the number removed. */
export async function removeEverySandbox(socket: string, log: (msg: string, fields?: Record<string, unknown>) => void): Promise<number> {
  let cri: CriClient | undefined;
  let removed = 0;
  try {
    cri = connectCri(socket, { defaultDeadlineMs: 60_000 });
    const { items } = (await cri.runtime.ListPodSandbox!({})) as { items: Array<{ id: string }> };
    for (const sandbox of items) {
      try {
        await cri.runtime.StopPodSandbox!({ podSandboxId: sandbox.id });
        await cri.runtime.RemovePodSandbox!({ podSandboxId: sandbox.id });
        removed++;
      } catch (err) {
        log('containerd could not remove a pod sandbox; its shim will be killed', { sandbox: sandbox.id, error: (err as Error).message });
      }
    }
  } finally {
    cri?.close();
  }
  return removed;
}

/** The node's agent must be stopped first (it would start every pod again); the caller sees to it. */
export async function killallNode(o: { agentDir: string; log(msg: string, fields?: Record<string, unknown>): void }): Promise<KillallReport> {
  const paths = containerdPaths(o.agentDir);
  const report: KillallReport = { sandboxes: 0, shimsKilled: 0, unmounted: [], stillMounted: [], bridgeRemoved: false };
  const leftBehind = containerdPidsFor(paths.config);
  // The shims still run the containers when containerd is down; containerd ends them cleanly
  // (CNI DEL included, which takes the pod's address and masquerade rule with it).
  let started: ContainerdSupervisor | undefined;
  if (!(await containerdAnswers(paths.socket)) && existsSync(paths.config)) {
    for (const pid of leftBehind) killPid(pid); // hung: it does not answer
    started = new ContainerdSupervisor({ paths, log: o.log });
    await started.start().catch((err) => {
      o.log('containerd could not be started to remove the pods; killing their shims instead', { error: (err as Error).message });
      started = undefined;
    });
  }
  try {
    if (await containerdAnswers(paths.socket)) report.sandboxes = await removeEverySandbox(paths.socket, o.log);
  } finally {
    await started?.stop();
  }
  await terminatePids(leftBehind);
  // Whatever containerd could not remove: its shims, their tasks' records, their processes.
  report.shimsKilled = killShimsOf(paths.socket);
  forgetTasks(paths);
  const cgroupParent = cgroupParentFor(o.agentDir);
  removeCgroups(cgroupParent);
  removeEmptyCgroup(dirname(cgroupParent));
  const podCidr = readConfiguredPodCidr(paths.cniConfDir);
  if (podCidr) removeMasqueradeRules(podCidr);
  const mounts = unmountUnder(o.agentDir);
  report.unmounted = mounts.unmounted;
  report.stillMounted = mounts.failed;
  for (const point of mounts.failed) o.log('could not unmount', { path: point });
  const bridge = bridgeNameFor(o.agentDir);
  if (existsSync(`/sys/class/net/${bridge}`)) report.bridgeRemoved = deleteLink(bridge);
  return report;
}
