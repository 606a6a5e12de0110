// What the pod sync asks of the volume manager, and how a volume that cannot be set up is reported.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../client/types.js';
import type { Mount } from '../../runtime/types.js';

export interface PodVolumes {
  /**
   * Creates (or brings up to date) every volume of the pod and returns, per container name (init
   * containers included), the mounts to hand the runtime. Idempotent: emptyDir content survives,
   * an existing tmpfs is kept, unchanged ConfigMap/Secret files are not rewritten. Throws
   * VolumeError when a volume cannot be set up or a mount cannot be made.
   */
  setUp(pod: Pod): Promise<Map<string, Mount[]>>;
  /**
   * Re-reads the ConfigMaps, Secrets and downward API fields behind the pod's volumes and swaps in
   * new content atomically where it changed. Does nothing for a pod that was never set up (or is
   * torn down). Every volume is tried; the first failure is thrown afterwards as a VolumeError.
   */
  refresh(pod: Pod): Promise<void>;
  /** Unmounts every tmpfs under the pod's directory, then removes the directory. */
  tearDown(podUid: string): Promise<void>;
  /** Uids of the pods that have a directory here: after an agent restart, those the node no longer
   *  runs (deleted while it was down) are the ones to tear down. */
  listPods(): Promise<string[]>;
  /** `<root>/<uid>`: where the pod's files live (writeEtcHosts takes it). */
  podDir(podUid: string): string;
  /**
   * Creates the empty file the container's next instance (restart number `restartCount`) writes
   * its termination message to, and returns its mount; undefined when the container asked for no
   * termination message path.
   */
  terminationLog(pod: Pod, container: Container, restartCount: number): Promise<Mount | undefined>;
  /** What that instance wrote there (at most 4096 bytes); undefined when there is no file. */
  readTerminationMessage(podUid: string, containerName: string, restartCount: number): Promise<string | undefined>;
}

/** The privileged part, injectable so tests run without root. */
export interface MountOps {
  /** Mounts a fresh tmpfs of at most `sizeBytes` on `dir`. */
  mountTmpfs(dir: string, o: { sizeBytes: number }): Promise<void>;
  unmount(dir: string): Promise<void>;
  /** Mount points at `dir` or below it. */
  mountPointsUnder(dir: string): Promise<string[]>;
}

export type VolumeLog = (msg: string, fields?: Record<string, unknown>) => void;

export interface PodVolumesOptions {
  client: Client;
  /** `<agent dir>/pods/volumes`: one directory per pod uid below it. */
  root: string;
  nodeName: string;
  /** Reported as status.hostIP to downwardAPI volumes when the pod's status has none yet. */
  nodeIP?: string;
  /** Stands in for a limit a container does not set (resourceFieldRef limits.*), as for env vars. */
  allocatable?(): Record<string, string>;
  /** Default: the `mount` and `umount` binaries (needs root). */
  mount?: MountOps;
  /** Keep Secret and projected volumes in memory (a tmpfs each), never on disk. Default: when running as root. */
  memoryBackedSecrets?: boolean;
  log?: VolumeLog;
}

/**
 * A pod cannot start because of a volume. `reason` says how the pod sync reports it:
 * FailedMount (a volume could not be set up: the pod stays ContainerCreating, an event says why)
 * or CreateContainerConfigError (a container's volumeMount cannot be made, e.g. a bad subPath).
 */
export class VolumeError extends Error {
  constructor(
    message: string,
    readonly o: { volume?: string; reason?: 'FailedMount' | 'CreateContainerConfigError' } = {},
  ) {
    super(message);
    this.name = 'VolumeError';
  }

  get reason(): 'FailedMount' | 'CreateContainerConfigError' {
    return this.o.reason ?? 'FailedMount';
  }

  get volume(): string | undefined {
    return this.o.volume;
  }

  /** The event text upstream's kubelet uses, so `kubectl describe pod` reads the same. */
  get eventMessage(): string {
    if (this.reason === 'FailedMount' && this.volume !== undefined) return `MountVolume.SetUp failed for volume "${this.volume}" : ${this.message}`;
    return this.message;
  }
}
