// The container runtime of a real node: containerd over its CRI socket. Stateless on our side (all
// state lives in containerd), so an agent that restarts finds its pods again by listing them. The
// pod network is CNI as containerd runs it, configured here once the node has a podCIDR.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  ContainerConfig,
  ContainerEvent,
  ContainerRuntime,
  ContainerStatus,
  ExecResult,
  LogOptions,
  PodSandboxConfig,
  RuntimeStatus,
  SandboxStatus,
  StatsService,
  StreamingService,
} from '../types.js';
import { connectCri, isNotFound, type CriClient } from './cri/client.js';
import { containerStateOf, containerStatusOf, criContainerConfig, criSandboxConfig, sandboxStatusOf, type CriContainer, type CriContainerStatus, type CriSandbox } from './cri-mapping.js';
import { CriImageService } from './cri-images.js';
import { writeCniConflist } from './cni-config.js';
import { readLogFile } from './log-file.js';
import { Relister } from './relist.js';
import { criStatsService } from './cri-stats.js';

export interface ContainerdRuntimeOptions {
  /** containerd's gRPC socket (CRI is served on it). */
  socket: string;
  /** The CNI conf dir containerd watches (its cni.conf_dir). */
  cniConfDir: string;
  /** host-local's lease dir for this node. */
  cniIpamDir: string;
  /** This node's bridge: unique per node on one machine, at most 15 bytes. */
  bridgeName: string;
  /** The pods' MTU: the overlay's (link MTU − 50 for VXLAN); the bridge plugin's default without one. */
  podMtu?: number;
  /** Where the CNI plugins are, to say which is missing instead of waiting for a network that never comes. */
  cniBinDir?: string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** This node's pods' cgroup parent (e.g. /k3ts/<node>), so nodes sharing a machine keep theirs apart. */
  cgroupParent?: string;
  /** How often to list containers for events while someone subscribes. */
  relistIntervalMs?: number;
  pullDeadlineMs?: number;
  /** The sandbox image this containerd is configured with, kept out of image garbage collection. */
  sandboxImage?: string;
  /** How long updatePodCidr waits for containerd to report the network ready. */
  networkReadyTimeoutMs?: number;
}

/** As the kubelet's --runtime-request-timeout: a busy node's CNI can take its time. */
const REQUEST_DEADLINE_MS = 2 * 60_000;
const CNI_PLUGINS = ['bridge', 'host-local', 'portmap', 'loopback'];

export class ContainerdRuntime implements ContainerRuntime {
  readonly images: CriImageService;
  readonly streaming: StreamingService;
  readonly stats: StatsService;
  private readonly cri: CriClient;
  private readonly relister: Relister;
  private readonly log: (msg: string, fields?: Record<string, unknown>) => void;
  /** CRI's ContainerStatus does not name the sandbox; ListContainers does, and it never changes. */
  private readonly sandboxOf = new Map<string, string>();

  constructor(private readonly o: ContainerdRuntimeOptions) {
    this.cri = connectCri(o.socket, { defaultDeadlineMs: REQUEST_DEADLINE_MS });
    this.log = o.log ?? (() => undefined);
    this.images = new CriImageService(this.cri, o.pullDeadlineMs, o.sandboxImage);
    this.relister = new Relister({
      intervalMs: o.relistIntervalMs ?? 1000,
      list: async () => (await this.listCri()).map((c) => ({ id: c.id, sandboxId: c.podSandboxId, state: containerStateOf(c.state) })),
      onError: (err) => this.log('listing containers for events failed', { error: (err as Error).message }),
    });
    this.stats = criStatsService(this.cri);
    const rt = this.cri.runtime;
    this.streaming = {
      // With a TTY there is one output stream; CRI refuses stderr beside it.
      exec: async (containerId, cmd, r) => (await rt.Exec!({ containerId, cmd, tty: r.tty, stdin: r.stdin, stdout: r.stdout, stderr: r.stderr && !r.tty })).url,
      attach: async (containerId, r) => (await rt.Attach!({ containerId, tty: r.tty, stdin: r.stdin, stdout: r.stdout, stderr: r.stderr && !r.tty })).url,
      portForward: async (podSandboxId, ports) => (await rt.PortForward!({ podSandboxId, port: ports })).url,
    };
  }

  async version(): Promise<{ name: string; version: string }> {
    const v = await this.cri.runtime.Version!({ version: 'v1' });
    return { name: v.runtimeName, version: v.runtimeVersion };
  }

  async status(): Promise<RuntimeStatus> {
    const res = await this.cri.runtime.Status!({});
    const conditions = (res.status?.conditions ?? []) as Array<{ type: string; status: boolean; reason: string; message: string }>;
    const runtime = conditions.find((c) => c.type === 'RuntimeReady');
    const network = conditions.find((c) => c.type === 'NetworkReady');
    return {
      runtimeReady: runtime?.status === true,
      networkReady: network?.status === true,
      ...(network && !network.status ? { networkMessage: network.message || network.reason } : {}),
    };
  }

  /** Writes the CNI network for `cidr`; containerd's watch on the conf dir loads it (about 10 ms
   *  here). Waits until containerd says the network is ready, or logs why not. */
  async updatePodCidr(cidr: string): Promise<void> {
    const binDir = this.o.cniBinDir;
    const missing = binDir ? CNI_PLUGINS.filter((p) => !existsSync(join(binDir, p))) : [];
    if (missing.length) throw new Error(`CNI plugins ${missing.join(', ')} are missing from ${binDir}: install containernetworking-plugins`);
    writeCniConflist(this.o.cniConfDir, { podCidr: cidr, bridgeName: this.o.bridgeName, ipamDir: this.o.cniIpamDir, ...(this.o.podMtu ? { mtu: this.o.podMtu } : {}) });
    await this.cri.runtime.UpdateRuntimeConfig!({ runtimeConfig: { networkConfig: { podCidr: cidr } } });
    const deadline = Date.now() + (this.o.networkReadyTimeoutMs ?? 5000);
    for (;;) {
      const s = await this.status();
      if (s.networkReady) return;
      if (Date.now() > deadline) {
        this.log('the pod network is not ready yet', { podCidr: cidr, reason: s.networkMessage });
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    await mkdir(config.logDirectory, { recursive: true, mode: 0o755 });
    const res = await this.cri.runtime.RunPodSandbox!({ config: criSandboxConfig(config, this.o) });
    return res.podSandboxId;
  }

  /** Kills what still runs in it (containerd does not wait for a grace period here) and releases its address. */
  async stopPodSandbox(id: string): Promise<void> {
    await ignoreNotFound(this.cri.runtime.StopPodSandbox!({ podSandboxId: id }));
  }

  async removePodSandbox(id: string): Promise<void> {
    await ignoreNotFound(this.cri.runtime.RemovePodSandbox!({ podSandboxId: id }));
  }

  async podSandboxStatus(id: string): Promise<SandboxStatus | undefined> {
    const res = await ignoreNotFound(this.cri.runtime.PodSandboxStatus!({ podSandboxId: id }));
    const s = res?.status as CriSandbox | undefined;
    return s && sandboxStatusOf(s, s.network?.ip ?? '');
  }

  /** One status call per sandbox, for its address (the list does not carry it). */
  async listSandboxes(): Promise<SandboxStatus[]> {
    const { items } = await this.cri.runtime.ListPodSandbox!({});
    const out = await mapLimit(items as CriSandbox[], 8, async (s) => (s.state === 'SANDBOX_READY' ? await this.podSandboxStatus(s.id) : sandboxStatusOf(s, '')));
    return out.filter((s): s is SandboxStatus => s !== undefined);
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    const res = await this.cri.runtime.CreateContainer!({ podSandboxId: sandboxId, config: criContainerConfig(config, sandbox), sandboxConfig: criSandboxConfig(sandbox, this.o) });
    const id = res.containerId as string;
    this.sandboxOf.set(id, sandboxId);
    this.relister.noted(id, sandboxId, 'created');
    return id;
  }

  async startContainer(id: string): Promise<void> {
    await this.cri.runtime.StartContainer!({ containerId: id });
    this.relister.noted(id, await this.sandboxIdOf(id), 'running');
  }

  /** containerd sends the image's stop signal, waits `timeoutSeconds`, kills, and answers once it exited. */
  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const timeout = Math.max(0, Math.ceil(timeoutSeconds));
    const res = await ignoreNotFound(this.cri.runtime.StopContainer!({ containerId: id, timeout }, { deadlineMs: timeout * 1000 + REQUEST_DEADLINE_MS }));
    if (res) this.relister.noted(id, await this.sandboxIdOf(id), 'exited');
  }

  async removeContainer(id: string): Promise<void> {
    const sandboxId = await this.sandboxIdOf(id);
    await ignoreNotFound(this.cri.runtime.RemoveContainer!({ containerId: id }));
    if (sandboxId) this.relister.noted(id, sandboxId, 'deleted');
    this.sandboxOf.delete(id);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const res = await ignoreNotFound(this.cri.runtime.ContainerStatus!({ containerId: id }));
    if (!res) return undefined;
    return containerStatusOf(res.status as CriContainerStatus, await this.sandboxIdOf(id));
  }

  /** One status call per container, for exit codes, reasons and times (the list has none of them). */
  async listContainers(): Promise<ContainerStatus[]> {
    const listed = await this.listCri();
    const out = await mapLimit(listed, 8, async (c) => {
      const res = await ignoreNotFound(this.cri.runtime.ContainerStatus!({ containerId: c.id }));
      return res && containerStatusOf(res.status as CriContainerStatus, c.podSandboxId);
    });
    return out.filter((s): s is ContainerStatus => s !== undefined);
  }

  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    const timeout = Math.max(0, Math.ceil(timeoutSeconds));
    // Without a timeout the command may run as long as it likes; the call still needs some deadline.
    const deadlineMs = timeout > 0 ? timeout * 1000 + 30_000 : 24 * 3600_000;
    const res = await this.cri.runtime.ExecSync!({ containerId: id, cmd, timeout }, { deadlineMs });
    return { exitCode: res.exitCode, stdout: Buffer.from(res.stdout ?? []), stderr: Buffer.from(res.stderr ?? []) };
  }

  async *readLog(id: string, opts: LogOptions, signal: AbortSignal): AsyncGenerator<string> {
    const status = await this.containerStatus(id);
    if (!status) throw new Error(`container ${id} not found`);
    if (!status.logPath) return;
    const exited = async () => {
      const s = await this.containerStatus(id);
      return !s || s.state === 'exited' || s.state === 'unknown';
    };
    yield* readLogFile(status.logPath, opts, { exited, exitCheckMs: 500 }, signal);
  }

  subscribe(listener: (ev: ContainerEvent) => void): () => void {
    return this.relister.subscribe(listener);
  }

  async close(): Promise<void> {
    this.relister.close();
    this.cri.close();
  }

  private async listCri(): Promise<CriContainer[]> {
    const { containers } = await this.cri.runtime.ListContainers!({});
    const listed = containers as CriContainer[];
    // Forget the sandboxes of containers that are gone (removed by someone else, or by a sandbox's removal).
    const ids = new Set(listed.map((c) => c.id));
    for (const id of this.sandboxOf.keys()) if (!ids.has(id)) this.sandboxOf.delete(id);
    for (const c of listed) this.sandboxOf.set(c.id, c.podSandboxId);
    return listed;
  }

  private async sandboxIdOf(id: string): Promise<string> {
    const known = this.sandboxOf.get(id);
    if (known) return known;
    const { containers } = await this.cri.runtime.ListContainers!({ filter: { id } });
    const sandboxId = (containers as CriContainer[])[0]?.podSandboxId ?? '';
    if (sandboxId) this.sandboxOf.set(id, sandboxId);
    return sandboxId;
  }
}

async function ignoreNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** `fn` over `items` with at most `limit` calls in flight, results in order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
