// The simulated container runtime: sandboxes and containers are records in memory, a container
// "runs" its command line through the small interpreter in program.ts, and its output goes to a
// bounded in-memory log. Sandboxes get addresses from the node's podCIDR as host-local would give
// them. Cheap enough for thousands of containers in one process: a container that runs forever
// holds no timer. How a container decides to exit: README.md.
import { createHash, randomBytes } from 'node:crypto';
import type {
  ContainerConfig,
  ContainerEvent,
  ContainerRuntime,
  ContainerStatus,
  ExecResult,
  ImageService,
  ImageStatus,
  LogOptions,
  PodSandboxConfig,
  RuntimeStatus,
  SandboxStatus,
  ContainerStatsSample,
  StatsService,
} from '../types.js';
import { PodIPAllocator } from './pod-ips.js';
import { LogBuffer } from './log-buffer.js';
import { delay, runProgram } from './program.js';
import { parseCommandLine } from './script.js';
import { behaviourOf, type Behaviour } from './behaviour.js';
import { normalizeImage } from '../image-name.js';
import { cumulativeCpuAt, NODE_OVERHEAD, usageProfile, workingSetAt, type UsageProfile } from './usage.js';

export const simRuntimeName = 'sim';
export const simRuntimeVersion = '0.1.0';

/** Exit codes of a process ended by a signal, as a shell reports them. */
const SIGTERM_EXIT = 143;
const SIGKILL_EXIT = 137;

interface Sandbox {
  id: string;
  config: PodSandboxConfig;
  createdAt: string;
  state: 'ready' | 'notready';
  ip: string;
}

interface Container {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  image: ImageStatus;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  behaviour: Behaviour;
  log: LogBuffer;
  /** Aborting it ends the program (the process got a signal it does not survive). */
  program: AbortController;
  /** Aborting it cancels the exit-after timer. */
  lifetime: AbortController;
  exited: Promise<void>;
  markExited: () => void;
  /** Its synthetic resource usage (usage.ts). */
  usage: UsageProfile;
}

const nowIso = () => new Date().toISOString();
const newId = () => randomBytes(32).toString('hex');

export { normalizeImage };

export function simImageStatus(image: string): ImageStatus {
  const name = normalizeImage(image);
  const repo = name.includes('@') ? name.slice(0, name.indexOf('@')) : name.replace(/:[^:/]+$/, '');
  const digest = name.includes('@') ? name.slice(name.indexOf('@') + 1) : `sha256:${createHash('sha256').update(name).digest('hex')}`;
  return { image: name, imageRef: `${repo}@${digest}`, names: [name, `${repo}@${digest}`], sizeBytes: 0 };
}

/** Every image is present and "pulled" at once: the simulator never downloads anything. */
const simImages: ImageService = {
  imageStatus: async (image) => simImageStatus(image),
  pullImage: async (image) => simImageStatus(image),
  listImages: async () => [],
  removeImage: async () => undefined,
  imageFsInfo: async () => ({ usedBytes: 0, mountpoint: '/' }),
};

export class SimRuntime implements ContainerRuntime {
  private sandboxes = new Map<string, Sandbox>();
  private containers = new Map<string, Container>();
  private listeners = new Set<(ev: ContainerEvent) => void>();
  private readonly ips = new PodIPAllocator();
  readonly images = simImages;
  private readonly startedMs = Date.now();
  /** CPU time of containers already removed, so the node's counter never goes back. */
  private retiredCoreNs = 0;
  readonly stats: StatsService = {
    listContainerStats: async () => {
      const now = Date.now();
      const out: ContainerStatsSample[] = [];
      for (const c of this.containers.values()) {
        if (!c.startedAt || c.finishedAt) continue;
        const elapsed = now - Date.parse(c.startedAt);
        out.push({ containerId: c.id, timeMs: now, cpuUsageCoreNanoSeconds: cumulativeCpuAt(c.usage, elapsed), memoryWorkingSetBytes: workingSetAt(c.usage, elapsed) });
      }
      return out;
    },
    nodeStats: async () => {
      const now = Date.now();
      let cpu = this.retiredCoreNs + NODE_OVERHEAD.nanoCores * ((now - this.startedMs) / 1000);
      let ws = NODE_OVERHEAD.workingSetBytes;
      for (const c of this.containers.values()) {
        cpu += this.cpuSoFar(c, now);
        if (c.startedAt && !c.finishedAt) ws += workingSetAt(c.usage, now - Date.parse(c.startedAt));
      }
      return { timeMs: now, cpuUsageCoreNanoSeconds: cpu, memoryWorkingSetBytes: ws, memoryAvailableBytes: Math.max(0, NODE_OVERHEAD.memoryBytes - ws) };
    },
  };

  async version() {
    return { name: simRuntimeName, version: simRuntimeVersion };
  }

  async status(): Promise<RuntimeStatus> {
    // As with CNI: no pod network until the node has its range.
    return this.ips.ready ? { runtimeReady: true, networkReady: true } : { runtimeReady: true, networkReady: false, networkMessage: 'the node has no podCIDR yet' };
  }

  async updatePodCidr(cidr: string): Promise<void> {
    this.ips.setCidr(cidr);
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    let ip = '';
    if (!config.hostNetwork) {
      if (!this.ips.ready) throw new Error('network is not ready: the node has no podCIDR yet');
      ip = this.ips.allocate() ?? '';
      if (!ip) throw new Error(`failed to allocate for range 0: no IP addresses available in range set: ${this.ips.cidr}`);
    }
    const id = newId();
    this.sandboxes.set(id, { id, config: structuredClone(config), createdAt: nowIso(), state: 'ready', ip });
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sandbox = this.sandboxes.get(id);
    if (!sandbox) return;
    await Promise.all([...this.containers.values()].filter((c) => c.sandboxId === id).map((c) => this.stopContainer(c.id, 0)));
    sandbox.state = 'notready';
    // The network goes with the sandbox's stop, as CNI DEL gives the address back.
    this.ips.release(sandbox.ip);
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.stopPodSandbox(id);
    for (const c of [...this.containers.values()]) if (c.sandboxId === id) await this.removeContainer(c.id);
    this.sandboxes.delete(id);
  }

  async podSandboxStatus(id: string): Promise<SandboxStatus | undefined> {
    const s = this.sandboxes.get(id);
    return s && this.sandboxStatusOf(s);
  }

  async listSandboxes(): Promise<SandboxStatus[]> {
    return [...this.sandboxes.values()].map((s) => this.sandboxStatusOf(s));
  }

  private sandboxStatusOf(s: Sandbox): SandboxStatus {
    const c = s.config;
    return { id: s.id, state: s.state, ip: s.state === 'ready' ? s.ip : '', createdAt: s.createdAt, name: c.name, namespace: c.namespace, uid: c.uid, attempt: c.attempt, labels: c.labels };
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox || sandbox.state !== 'ready') throw new Error(`sandbox ${sandboxId} is not ready`);
    const id = newId();
    let markExited!: () => void;
    const exited = new Promise<void>((resolve) => (markExited = resolve));
    this.containers.set(id, {
      id,
      sandboxId,
      config: structuredClone(config),
      image: simImageStatus(config.image),
      createdAt: nowIso(),
      behaviour: behaviourOf(sandbox.config.annotations, config.name),
      log: new LogBuffer(),
      program: new AbortController(),
      lifetime: new AbortController(),
      exited,
      markExited,
      usage: usageProfile(id, config.resources),
    });
    this.emit({ containerId: id, sandboxId, type: 'created' });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.mustGet(id);
    if (c.startedAt) throw new Error(`container ${id} was already started`);
    const sandbox = this.sandboxes.get(c.sandboxId)!;
    c.startedAt = nowIso();
    const env = new Map<string, string>([
      ['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      ['HOSTNAME', sandbox.config.hostname],
      ['HOME', '/root'],
    ]);
    for (const e of c.config.envs) env.set(e.key, e.value);
    // Without a command the image's own entrypoint runs: a server, as far as the simulator knows.
    const argv = c.config.command.length ? [...c.config.command, ...c.config.args] : c.config.args;
    const items = argv.length ? parseCommandLine(argv) : undefined;
    const program = items
      ? runProgram(items, { env, write: (text) => c.log.write(text), signal: c.program.signal })
      : delay(Infinity, c.program.signal).then(() => undefined);
    if (c.behaviour.exitAfterMs !== undefined) {
      void delay(c.behaviour.exitAfterMs, c.lifetime.signal).then((due) => {
        if (due) this.exit(c, c.behaviour.exitCode ?? 0);
      });
    }
    void program.then((code) => {
      if (code !== undefined) this.exit(c, c.behaviour.exitCode ?? code);
    });
    this.emit({ containerId: id, sandboxId: c.sandboxId, type: 'started' });
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.containers.get(id);
    if (!c || c.finishedAt) return;
    if (!c.startedAt) {
      this.exit(c, SIGKILL_EXIT);
      return;
    }
    if (!c.behaviour.ignoreSigterm) {
      this.exit(c, SIGTERM_EXIT);
      return;
    }
    const patience = new AbortController();
    void c.exited.then(() => patience.abort());
    if (await delay(Math.max(0, timeoutSeconds) * 1000, patience.signal)) this.exit(c, SIGKILL_EXIT);
    await c.exited;
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    if (!c.finishedAt) this.exit(c, SIGKILL_EXIT);
    this.retiredCoreNs += this.cpuSoFar(c, Date.now());
    this.containers.delete(id);
    this.emit({ containerId: id, sandboxId: c.sandboxId, type: 'deleted' });
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.containers.get(id);
    return c && this.statusOf(c);
  }

  async listContainers(): Promise<ContainerStatus[]> {
    return [...this.containers.values()].map((c) => this.statusOf(c));
  }

  /** The command runs through the simulator's interpreter, as the container's own would. */
  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    const c = this.mustGet(id);
    if (!c.startedAt || c.finishedAt) throw new Error(`container ${id} is not running`);
    const out: string[] = [];
    const timeout = new AbortController();
    const timer = timeoutSeconds > 0 ? setTimeout(() => timeout.abort(), timeoutSeconds * 1000) : undefined;
    const signal = AbortSignal.any([timeout.signal, c.program.signal]);
    try {
      const code = await runProgram(parseCommandLine(cmd), { env: new Map(c.config.envs.map((e) => [e.key, e.value])), write: (text) => out.push(text), signal });
      if (timeout.signal.aborted) throw new Error(`command timed out after ${timeoutSeconds}s`);
      return { exitCode: code ?? 137, stdout: Buffer.from(out.join('')), stderr: Buffer.alloc(0) };
    } finally {
      clearTimeout(timer);
    }
  }

  private statusOf(c: Container): ContainerStatus {
    const state = c.finishedAt ? 'exited' : c.startedAt ? 'running' : 'created';
    return {
      id: c.id,
      sandboxId: c.sandboxId,
      name: c.config.name,
      attempt: c.config.attempt,
      state,
      createdAt: c.createdAt,
      ...(c.startedAt ? { startedAt: c.startedAt } : {}),
      ...(c.finishedAt ? { finishedAt: c.finishedAt, exitCode: c.exitCode, reason: c.exitCode === 0 ? 'Completed' : 'Error' } : {}),
      image: c.image.image,
      imageRef: c.image.imageRef,
      labels: c.config.labels,
    };
  }

  readLog(id: string, opts: LogOptions, signal: AbortSignal): AsyncIterable<string> {
    return this.mustGet(id).log.read(opts, signal);
  }

  /** Kills every container at once: a sleeping one holds a timer that would keep the process up.
   *  (Simulated containers live in this process, so unlike real ones they end with it.) */
  async close(): Promise<void> {
    for (const c of this.containers.values()) this.exit(c, SIGKILL_EXIT);
  }

  subscribe(listener: (ev: ContainerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private exit(c: Container, code: number): void {
    if (c.finishedAt) return;
    c.finishedAt = nowIso();
    c.exitCode = code;
    c.program.abort();
    c.lifetime.abort();
    c.log.close();
    c.markExited();
    this.emit({ containerId: c.id, sandboxId: c.sandboxId, type: 'stopped' });
  }

  /** CPU time a container used up to `now` (or its exit). */
  private cpuSoFar(c: Container, now: number): number {
    if (!c.startedAt) return 0;
    const end = c.finishedAt ? Date.parse(c.finishedAt) : now;
    return cumulativeCpuAt(c.usage, end - Date.parse(c.startedAt));
  }

  private mustGet(id: string): Container {
    const c = this.containers.get(id);
    if (!c) throw new Error(`container ${id} not found`);
    return c;
  }

  private emit(ev: ContainerEvent): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}
