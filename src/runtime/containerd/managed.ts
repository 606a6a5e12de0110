// The node's own containerd as the agent runs it: configuration written from the node's data dir
// (and registries.yaml), the daemon started and supervised, the carried pause image and the airgap
// images imported before the first pod needs them.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { importAirgapImages } from '../../images/airgap.js';
import { importImageArchive } from '../../images/import.js';
import { containerdConfig, containerdPaths, type ContainerdPaths, type RegistriesConfig } from './config.js';
import { pauseImageArchive, PAUSE_IMAGE } from './pause-image.js';
import { ContainerdSupervisor } from './supervisor.js';
import { containerdPidsFor, terminatePids } from './host-cleanup.js';

export interface ManagedContainerdOptions {
  /** <data-dir>/agent */
  agentDir: string;
  /** Where CRI's exec, attach and port-forward URLs listen: an address the agent reaches. */
  streamAddress: string;
  /** registries.yaml in K3s's format, if the node has one. */
  registriesFile?: string;
  cniBinDir?: string;
  log(msg: string, fields?: Record<string, unknown>): void;
}

export interface ManagedContainerd {
  paths: ContainerdPaths;
  /** The node's CNI bridge: unique per node, so several nodes on one machine do not share one. */
  bridgeName: string;
  supervisor: ContainerdSupervisor;
  stop(): Promise<void>;
}

export const CNI_BIN_DIR = '/usr/lib/cni';

const nodeTag = (agentDir: string) => createHash('sha256').update(agentDir).digest('hex').slice(0, 8);

/** A Linux interface name (at most 15 characters) that no other node on this machine uses. */
export function bridgeNameFor(agentDir: string): string {
  return `k3ts${nodeTag(agentDir)}`;
}

/** The node's pods' cgroup parent: one per node, so nodes sharing a machine keep their pods apart
 *  and `k3ts killall` knows exactly which cgroups are the node's. */
export function cgroupParentFor(agentDir: string): string {
  return `/k3ts/${nodeTag(agentDir)}`;
}

export function readRegistries(file: string | undefined): RegistriesConfig | undefined {
  if (!file || !existsSync(file)) return undefined;
  const doc = parseYaml(readFileSync(file, 'utf8')) as RegistriesConfig | null;
  return doc ?? undefined;
}

export async function startManagedContainerd(o: ManagedContainerdOptions): Promise<ManagedContainerd> {
  const paths = containerdPaths(o.agentDir);
  for (const dir of [paths.dir, paths.cniConfDir, paths.cniIpamDir, paths.podLogs, paths.podVolumes]) await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(
    paths.config,
    containerdConfig({ paths, streamAddress: o.streamAddress, cniBinDir: o.cniBinDir ?? CNI_BIN_DIR, sandboxImage: PAUSE_IMAGE, registries: readRegistries(o.registriesFile) }),
    { mode: 0o600 },
  );
  // An agent killed with SIGKILL leaves its containerd running; a second one on the same state
  // would wait on its lock. It is ours (started for this node's config): stop it, the shims keep
  // the containers, and the new one finds them.
  const leftover = containerdPidsFor(paths.config);
  if (leftover.length) {
    o.log('stopping the containerd a previous agent left running', { pids: leftover });
    await terminatePids(leftover);
  }
  const supervisor = new ContainerdSupervisor({ paths, log: o.log });
  const started = performance.now();
  await supervisor.start();
  try {
    const pauseFile = join(paths.dir, 'pause.tar');
    await writeFile(pauseFile, pauseImageArchive());
    await importImageArchive({ socket: paths.socket, file: pauseFile });
    await importAirgapImages({ socket: paths.socket, dir: join(o.agentDir, 'images'), log: o.log });
  } catch (err) {
    await supervisor.stop();
    throw err;
  }
  o.log('containerd is running', { socket: paths.socket, pid: supervisor.pid, ms: Math.round(performance.now() - started) });
  return { paths, bridgeName: bridgeNameFor(o.agentDir), supervisor, stop: () => supervisor.stop() };
}

