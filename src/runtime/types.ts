// What the kubelet asks of a container runtime. Shaped after CRI runtime.v1 (sandboxes, containers,
// statuses, container events, an image service) so a containerd client can implement it later; the
// simulated runtime in sim/ implements it for tests and scale runs.

export interface KeyValue {
  key: string;
  value: string;
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
  /** The pod's address, chosen by the kubelet from the node's podCIDR (the node IP with hostNetwork). */
  ip: string;
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
  /** Why it exited, as runtimes report it: Completed, Error, OOMKilled. */
  reason?: string;
  message?: string;
  image: string;
  /** The image's digest reference, e.g. docker.io/library/busybox@sha256:... */
  imageRef: string;
  /** What the container was created with, as CRI's verbose status carries it. */
  config: ContainerConfig;
}

export interface SandboxStatus {
  id: string;
  state: 'ready' | 'notready';
  ip: string;
  createdAt: string;
  config: PodSandboxConfig;
}

/** A change worth a look: CRI's GetContainerEvents stream. */
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
}

export interface ImageStatus {
  /** The image as the runtime names it, e.g. docker.io/library/nginx:latest */
  image: string;
  /** Its digest reference. */
  imageRef: string;
}

export interface ContainerRuntime {
  /** e.g. { name: 'sim', version: '0.1.0' }: the node reports `${name}://${version}`. */
  version(): Promise<{ name: string; version: string }>;

  imageStatus(image: string): Promise<ImageStatus | undefined>;
  pullImage(image: string): Promise<ImageStatus>;

  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  /** Stops every container still running in it (at once) and tears down its network. */
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<SandboxStatus | undefined>;

  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutSeconds`; resolves once the container has exited. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<ContainerStatus | undefined>;

  /** The container's output, line by line (each ending in a newline). */
  readLog(id: string, opts: LogOptions, signal: AbortSignal): AsyncIterable<string>;

  /** Calls `listener` for every container event until the returned function is called. */
  subscribe(listener: (ev: ContainerEvent) => void): () => void;
}
