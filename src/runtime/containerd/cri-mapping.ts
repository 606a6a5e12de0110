// Between k3ts's runtime types (../types.ts) and CRI runtime.v1 messages as the client sends and
// receives them (camelCase fields, enums by name, int64 as numbers, nanosecond timestamps).
import { normalizeImage } from '../image-name.js';
import type { ContainerConfig, ContainerState, ContainerStatus, ImageStatus, PodSandboxConfig, PodSecurity, RegistryAuth, SandboxStatus } from '../types.js';

/** The CRI answers this file reads, as far as it reads them. */
export interface CriContainerStatus {
  id: string;
  metadata?: { name: string; attempt: number };
  state: string;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  image?: { image: string };
  imageRef: string;
  reason: string;
  message: string;
  labels: Record<string, string>;
  logPath: string;
}

export interface CriContainer {
  id: string;
  podSandboxId: string;
  metadata?: { name: string; attempt: number };
  state: string;
  createdAt: number;
  labels: Record<string, string>;
}

export interface CriSandbox {
  id: string;
  metadata?: { name: string; uid: string; namespace: string; attempt: number };
  state: string;
  createdAt: number;
  labels: Record<string, string>;
  network?: { ip: string };
}

export interface CriImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  /** Never to be garbage-collected (containerd 1.7 pins its sandbox image). */
  pinned?: boolean;
}

/** CRI timestamps are nanoseconds since the epoch; 0 means "not yet". */
export function isoFromNanos(ns: number): string {
  return new Date(Math.floor(ns / 1e6)).toISOString();
}

const states: Record<string, ContainerState> = {
  CONTAINER_CREATED: 'created',
  CONTAINER_RUNNING: 'running',
  CONTAINER_EXITED: 'exited',
};

export const containerStateOf = (criState: string): ContainerState => states[criState] ?? 'unknown';

const int64 = (v: number | undefined) => (v === undefined ? undefined : { value: v });

/** Pod-level security as both the sandbox's and each container's context carry it. */
function podSecurity(s: PodSecurity | undefined): object {
  if (!s) return {};
  return {
    ...(s.runAsUser !== undefined ? { runAsUser: int64(s.runAsUser) } : {}),
    ...(s.runAsGroup !== undefined ? { runAsGroup: int64(s.runAsGroup) } : {}),
    ...(s.supplementalGroups?.length ? { supplementalGroups: s.supplementalGroups } : {}),
    readonlyRootfs: s.readOnlyRootFilesystem === true,
    privileged: s.privileged === true,
  };
}

/**
 * Each container gets its own PID namespace (CONTAINER): with POD its PID 1 would be the sandbox's
 * pause process, and a shell as PID 1 is what makes SIGTERM-ignoring containers behave as on any
 * other node. IPC is shared by the pod; the network is the pod's, or the node's with hostNetwork.
 */
function namespaceOptions(sandbox: PodSandboxConfig): object {
  return { network: sandbox.hostNetwork ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' };
}

export interface NodeCgroups {
  /** The cgroup every pod of this node goes under (containerd adds each sandbox's and container's
   *  ID); containerd's default, /k8s.io, is shared by every containerd on the machine. */
  cgroupParent?: string;
}

export function criSandboxConfig(c: PodSandboxConfig, node: NodeCgroups = {}): object {
  return {
    metadata: { name: c.name, uid: c.uid, namespace: c.namespace, attempt: c.attempt },
    // A host-network pod shares the node's UTS namespace too: it has the node's name, and runc
    // refuses to set one there.
    hostname: c.hostNetwork ? '' : c.hostname,
    logDirectory: c.logDirectory,
    ...(c.dns ? { dnsConfig: { servers: c.dns.servers, searches: c.dns.searches, options: c.dns.options } } : {}),
    portMappings: c.portMappings.map((p) => ({ protocol: p.protocol, containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIP ?? '' })),
    labels: c.labels,
    annotations: c.annotations,
    linux: {
      ...(node.cgroupParent ? { cgroupParent: node.cgroupParent } : {}),
      securityContext: { namespaceOptions: namespaceOptions(c), ...podSecurity(c.security) },
    },
  };
}

/** containerd prefixes capability names with CAP_ itself; Kubernetes spells them without it. */
const capName = (c: string) => c.toUpperCase().replace(/^CAP_/, '');

export function criContainerConfig(c: ContainerConfig, sandbox: PodSandboxConfig): object {
  const r = c.resources ?? {};
  const s = c.security ?? {};
  return {
    metadata: { name: c.name, attempt: c.attempt },
    image: { image: c.image },
    command: c.command,
    args: c.args,
    workingDir: c.workingDir ?? '',
    envs: c.envs.map((e) => ({ key: e.key, value: e.value })),
    mounts: c.mounts.map((m) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readOnly, propagation: 'PROPAGATION_PRIVATE' })),
    labels: c.labels,
    annotations: c.annotations,
    logPath: c.logPath,
    stdin: c.stdin === true,
    stdinOnce: c.stdinOnce === true,
    tty: c.tty === true,
    linux: {
      // 0 is CRI's "not set" for each of these.
      resources: {
        cpuShares: r.cpuShares ?? 0,
        cpuQuota: r.cpuQuota ?? 0,
        cpuPeriod: r.cpuPeriod ?? 0,
        memoryLimitInBytes: r.memoryLimitBytes ?? 0,
        oomScoreAdj: r.oomScoreAdj ?? 0,
      },
      securityContext: {
        // A debugging container sees the processes of the one it targets (kubectl debug --target).
        namespaceOptions: c.targetContainerId ? { ...namespaceOptions(sandbox), pid: 'TARGET', targetId: c.targetContainerId } : namespaceOptions(sandbox),
        ...podSecurity(s),
        ...(s.capabilities ? { capabilities: { addCapabilities: s.capabilities.add.map(capName), dropCapabilities: s.capabilities.drop.map(capName) } } : {}),
        noNewPrivs: s.allowPrivilegeEscalation === false,
      },
    },
  };
}

export function sandboxStatusOf(s: CriSandbox, ip: string): SandboxStatus {
  const m = s.metadata ?? { name: '', uid: '', namespace: '', attempt: 0 };
  return {
    id: s.id,
    state: s.state === 'SANDBOX_READY' ? 'ready' : 'notready',
    ip,
    createdAt: isoFromNanos(s.createdAt),
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    attempt: m.attempt,
    labels: s.labels ?? {},
  };
}

/** ContainerStatus carries no sandbox ID; the caller knows it from ListContainers. */
export function containerStatusOf(s: CriContainerStatus, sandboxId: string): ContainerStatus {
  const state = containerStateOf(s.state);
  return {
    id: s.id,
    sandboxId,
    name: s.metadata?.name ?? '',
    attempt: s.metadata?.attempt ?? 0,
    state,
    createdAt: isoFromNanos(s.createdAt),
    // containerd stamps the start after runc returns, so a command that exits at once can look
    // finished before it started; nothing finishes before it starts.
    ...(s.startedAt > 0 ? { startedAt: isoFromNanos(s.finishedAt > 0 ? Math.min(s.startedAt, s.finishedAt) : s.startedAt) } : {}),
    ...(s.finishedAt > 0 ? { finishedAt: isoFromNanos(s.finishedAt) } : {}),
    ...(state === 'exited' ? { exitCode: s.exitCode } : {}),
    ...(s.reason ? { reason: s.reason } : {}),
    ...(s.message ? { message: s.message } : {}),
    image: s.image?.image ?? '',
    imageRef: s.imageRef,
    labels: s.labels ?? {},
    ...(s.logPath ? { logPath: s.logPath } : {}),
  };
}

/** `asked` is the reference the caller used: of an image's tags, that one names it. */
export function imageStatusOf(img: CriImage, asked?: string): ImageStatus {
  const wanted = asked && normalizeImage(asked);
  const image = (wanted && img.repoTags.find((t) => t === wanted)) || img.repoTags[0] || img.repoDigests[0] || img.id;
  return {
    image,
    // Images imported from an archive have no repo digest; their ID is the only stable reference.
    imageRef: img.repoDigests[0] ?? img.id,
    names: [...img.repoTags, ...img.repoDigests],
    sizeBytes: img.size,
    ...(img.pinned ? { pinned: true } : {}),
  };
}

export function criAuth(a: RegistryAuth | undefined): object | undefined {
  if (!a) return undefined;
  return { username: a.username ?? '', password: a.password ?? '', auth: a.auth ?? '', serverAddress: a.serverAddress ?? '', identityToken: a.identityToken ?? '' };
}
