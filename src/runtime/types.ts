// What the kubelet asks of a container runtime, shaped after CRI runtime.v1: sandboxes (a pod's
// network and shared namespaces) and containers, their statuses, an image service, and streaming.
// Two implementations: containerd over CRI (containerd/) and the simulated runtime (sim/) for
// scale runs and machines without root. One conformance suite (conformance.ts) runs against both.

export interface KeyValue {
  key: string;
  value: string;
}

export interface PortMapping {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  containerPort: number;
  hostPort: number;
  hostIP?: string;
}

export interface PodSecurity {
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
}

export interface PodSandboxConfig {
  /** name, namespace and uid of the pod, as CRI's PodSandboxMetadata. */
  name: string;
  namespace: string;
  uid: string;
  /** Bumped each time the sandbox is recreated for the same pod. */
  attempt: number;
  hostname: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  hostNetwork: boolean;
  /** Where the pod's container logs go (each container's `logPath` is relative to it). */
  logDirectory: string;
  dns?: { servers: string[]; searches: string[]; options: string[] };
  portMappings: PortMapping[];
  security?: PodSecurity;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readOnly: boolean;
}

export interface ContainerResources {
  /** cgroup cpu.shares: relative weight from the CPU request. */
  cpuShares?: number;
  /** CFS quota and period (microseconds) from the CPU limit. */
  cpuQuota?: number;
  cpuPeriod?: number;
  memoryLimitBytes?: number;
  oomScoreAdj?: number;
}

export interface ContainerSecurity extends PodSecurity {
  capabilities?: { add: string[]; drop: string[] };
  allowPrivilegeEscalation?: boolean;
}

export interface ContainerConfig {
  name: string;
  /** Bumped on every restart of the same container, as CRI's ContainerMetadata.attempt. */
  attempt: number;
  image: string;
  command: string[];
  args: string[];
  envs: KeyValue[];
  workingDir?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  mounts: Mount[];
  /** Relative to the sandbox's logDirectory. */
  logPath: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  resources?: ContainerResources;
  security?: ContainerSecurity;
  /** Share this container's process namespace (an ephemeral container's targetContainerName). */
  targetContainerId?: string;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  state: ContainerState;
  /** ISO timestamps; absent until the event happened. */
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  /** Why it exited, as runtimes report it: Completed, Error, OOMKilled, StartError. */
  reason?: string;
  message?: string;
  image: string;
  /** The image's digest reference, e.g. docker.io/library/busybox@sha256:... */
  imageRef: string;
  labels: Record<string, string>;
  /** The container's log file (absolute), when the runtime writes one. */
  logPath?: string;
}

export interface SandboxStatus {
  id: string;
  state: 'ready' | 'notready';
  /** The pod's address, as the runtime's network (CNI) gave it; '' with host network or before. */
  ip: string;
  createdAt: string;
  name: string;
  namespace: string;
  uid: string;
  attempt: number;
  labels: Record<string, string>;
}

/** A change worth a look: CRI's container events (or what a relist of the runtime found). */
export interface ContainerEvent {
  containerId: string;
  sandboxId: string;
  type: 'created' | 'started' | 'stopped' | 'deleted';
}

export interface LogOptions {
  /** Only the last N lines. */
  tailLines?: number;
  /** Only lines written at or after this time (ms since the epoch). */
  sinceMs?: number;
  /** Prefix each line with its RFC 3339 timestamp. */
  timestamps?: boolean;
  /** Keep streaming new lines until the container exits or `signal` aborts. */
  follow?: boolean;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
}

export interface RuntimeStatus {
  runtimeReady: boolean;
  networkReady: boolean;
  /** Why the network is not ready, in the runtime's words ("cni plugin not initialized"). */
  networkMessage?: string;
}

export interface ImageStatus {
  /** The image as the runtime names it, e.g. docker.io/library/nginx:latest */
  image: string;
  /** Its digest reference. */
  imageRef: string;
  /** Every name the image is known by (tags and digests), for the Node's status.images. */
  names: string[];
  sizeBytes: number;
  /** The runtime needs it (its sandbox image): image garbage collection leaves it alone. */
  pinned?: boolean;
}

export interface RegistryAuth {
  username?: string;
  password?: string;
  /** base64 of username:password, as docker config files carry it. */
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
}

export interface ImageService {
  imageStatus(image: string): Promise<ImageStatus | undefined>;
  /** Resolves with the pulled image; rejects with the registry's message. */
  pullImage(image: string, auth?: RegistryAuth): Promise<ImageStatus>;
  listImages(): Promise<ImageStatus[]>;
  removeImage(image: string): Promise<void>;
  /** Bytes used by images, and the filesystem they are on. */
  imageFsInfo(): Promise<{ usedBytes: number; mountpoint: string }>;
}

export interface ExecResult {
  exitCode: number;
  stdout: Buffer;
  stderr: Buffer;
}

export interface StreamRequest {
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** CRI streaming: each call returns a one-shot URL on the runtime's stream server, which speaks
 *  the Kubernetes channel protocols (SPDY/3.1 and WebSocket v4). */
export interface StreamingService {
  exec(containerId: string, cmd: string[], req: StreamRequest): Promise<string>;
  attach(containerId: string, req: StreamRequest): Promise<string>;
  portForward(sandboxId: string, ports: number[]): Promise<string>;
}

/** One reading of a container's counters, as CRI's ContainerStats carries them. */
export interface ContainerStatsSample {
  containerId: string;
  /** When the runtime read the counters (ms since the epoch). */
  timeMs: number;
  /** Cumulative CPU time (core-nanoseconds): the kubelet makes the rate from two readings. */
  cpuUsageCoreNanoSeconds: number;
  /** Memory in use minus inactive file cache: what is reported as the container's memory. */
  memoryWorkingSetBytes: number;
  memoryUsageBytes?: number;
  memoryRssBytes?: number;
}

/** The same for a whole node. */
export interface NodeStatsSample {
  timeMs: number;
  cpuUsageCoreNanoSeconds: number;
  memoryWorkingSetBytes: number;
  memoryAvailableBytes?: number;
  memoryUsageBytes?: number;
}

export interface StatsService {
  /** Every running container's counters, in one call. */
  listContainerStats(): Promise<ContainerStatsSample[]>;
  /** The node's counters, for a runtime that simulates its node; a real runtime leaves it out and
   *  the kubelet reads the host instead. */
  nodeStats?(): Promise<NodeStatsSample>;
}

export interface ContainerRuntime {
  /** e.g. { name: 'containerd', version: '1.6.20' }: the node reports `${name}://${version}`. */
  version(): Promise<{ name: string; version: string }>;
  status(): Promise<RuntimeStatus>;
  /** The node's pod range, once the server assigned it: the runtime's network hands out its addresses. */
  updatePodCidr(cidr: string): Promise<void>;

  readonly images: ImageService;
  /** Absent where the runtime cannot stream (the simulated one). */
  readonly streaming?: StreamingService;
  /** Resource usage; absent where the runtime cannot measure it (then the node serves no metrics). */
  readonly stats?: StatsService;

  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  /** Stops every container still running in it (at once) and tears down its network. */
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<SandboxStatus | undefined>;
  listSandboxes(): Promise<SandboxStatus[]>;

  createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutSeconds`; resolves once the container has exited. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<ContainerStatus | undefined>;
  listContainers(): Promise<ContainerStatus[]>;

  /** Runs a command in the container and waits for it (exec probes, kubectl exec without a TTY uses streaming). */
  execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult>;

  /** The container's output, line by line (each ending in a newline). */
  readLog(id: string, opts: LogOptions, signal: AbortSignal): AsyncIterable<string>;

  /** Calls `listener` for every container event until the returned function is called. */
  subscribe(listener: (ev: ContainerEvent) => void): () => void;

  /** Releases what the runtime holds in this process (connections, timers); containers keep running. */
  close(): Promise<void>;
}

/** A runtime refused because it cannot do the thing at all (the simulator cannot exec). */
export class NotSupportedError extends Error {
  constructor(what: string, runtime: string) {
    super(`${what} is not supported by the ${runtime} runtime`);
    this.name = 'NotSupportedError';
  }
}
