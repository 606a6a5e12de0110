// What the kubelet remembers about a pod it runs, beyond what the runtime and the API hold: which
// runtime container is each spec container's current and previous instance, restart counts, why a
// container is waiting, and the pod's sandbox and address.
import type { Container, ContainerStateTerminated, ContainerStatus as ApiContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import type { Mount, PodSandboxConfig } from '../runtime/types.js';

export interface ContainerSlot {
  name: string;
  spec: Container;
  init: boolean;
  /** An init container with restartPolicy Always: started in order, then kept running beside the app. */
  sidecar: boolean;
  /** Added to a running pod (kubectl debug): started once, never restarted, no part of the pod's phase. */
  ephemeral?: boolean;
  currentId?: string;
  /** The instance before the current one, kept for `kubectl logs --previous`. */
  previousId?: string;
  restartCount: number;
  /** Why it is not running now, when the runtime cannot say: CrashLoopBackOff, CreateContainerConfigError. */
  waiting?: { reason: string; message?: string };
  /** The previous instance's end, shown as lastState. */
  lastTerminated?: ContainerStateTerminated;
  /** A finished container's status from before an agent restart: the runtime no longer knows it. */
  carried?: ApiContainerStatus;
  /** The exit the BackOff event was last recorded for, so each crash is reported once. */
  backoffReportedFor?: string;
  /** Started again after an agent restart: no events for that start. */
  quiet?: boolean;
  /** The termination message of the current instance, read once it exited. */
  exitMessage?: { id: string; text: string };
  /** The instance stopped for failing its liveness (or startup) probe: restarted whatever its exit. */
  killedFor?: string;
  /** What the current instance was created with (command, args, env), for the kubelet API. */
  created?: { command: string[]; args: string[]; env: Array<{ name: string; value: string }> };
}

export interface PodState {
  key: string;
  uid: string;
  sandboxId?: string;
  /** What the sandbox was made with; containers are created with it. */
  sandboxConfig?: PodSandboxConfig;
  /** Each container's volume mounts, from the last volume set-up. */
  mounts?: Map<string, Mount[]>;
  /** The pod's /etc/hosts, written once the sandbox has its address. */
  etcHosts?: Mount;
  volumesRefreshedAt?: number;
  /** Bumped each time the sandbox is created for this pod. */
  sandboxAttempt: number;
  /** The pod's address, as the runtime's network gave it to the sandbox. */
  ip?: string;
  startTime?: string;
  slots: ContainerSlot[];
  initDone: boolean;
  /** When this kubelet first saw the pod (performance.now()), until it ran: pod start duration. */
  seenAtMs?: number;
  /** Set once the pod reached Succeeded or Failed: nothing runs again. */
  terminal?: 'Succeeded' | 'Failed';
  /** Containers and sandbox stopped, address released: nothing runs for this pod any more. */
  tornDown?: boolean;
  /** The containers are being stopped for the pod's deletion. */
  terminating?: Promise<void>;
  /** Deletion stopped the containers: the final phase is terminal whatever the restart policy. */
  killed?: boolean;
  /** The last status patch sent, and the resourceVersion it produced. */
  lastPatch?: string;
  lastPatchResult?: string;
  /** The Pending status was written before the sandbox was made. */
  announced?: boolean;
}

export function newPodState(key: string, pod: Pod): PodState {
  const spec = pod.spec!;
  const slot = (c: Container, init: boolean): ContainerSlot => ({
    name: c.name,
    spec: c,
    init,
    sidecar: init && c.restartPolicy === 'Always',
    restartCount: 0,
  });
  return {
    key,
    uid: pod.metadata!.uid!,
    sandboxAttempt: 0,
    slots: [...(spec.initContainers ?? []).map((c) => slot(c, true)), ...spec.containers.map((c) => slot(c, false)), ...ephemeralSlots(pod, [])],
    initDone: (spec.initContainers ?? []).length === 0,
  };
}

/** Slots for the pod's ephemeral containers not yet among `slots` (they are only ever added). */
export function ephemeralSlots(pod: Pod, slots: ContainerSlot[]): ContainerSlot[] {
  return (pod.spec?.ephemeralContainers ?? [])
    .filter((c) => !slots.some((s) => s.name === c.name))
    .map((c) => ({ name: c.name, spec: c as Container, init: false, sidecar: false, ephemeral: true, restartCount: 0 }));
}

/**
 * A pod that was running before this agent started, whose containers the runtime no longer has (the
 * simulated runtime loses them with the agent; a reboot loses real ones): they start again quietly,
 * in a new sandbox, with the restart counts and start time the API already shows. Containers that
 * had finished for good stay finished. (Where the runtime still runs them, they are adopted as they
 * are: see PodSync.adoptRunning.)
 */
export function adoptPodState(key: string, pod: Pod): PodState {
  const st = newPodState(key, pod);
  const status = pod.status ?? {};
  st.startTime = status.startTime;
  st.announced = true;
  const initialized = status.conditions?.some((c) => c.type === 'Initialized' && c.status === 'True') ?? false;
  if (initialized) st.initDone = true;
  const restartPolicy = pod.spec?.restartPolicy ?? 'Always';
  for (const slot of st.slots) {
    const prior = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? []), ...(status.ephemeralContainerStatuses ?? [])].find((s) => s.name === slot.name);
    if (!prior) continue;
    slot.restartCount = prior.restartCount ?? 0;
    slot.quiet = true;
    if (prior.lastState?.terminated) slot.lastTerminated = prior.lastState.terminated;
    const done = prior.state?.terminated;
    const finished = done && (slot.init ? !slot.sidecar && done.exitCode === 0 : restartPolicy === 'Never' || (restartPolicy === 'OnFailure' && done.exitCode === 0));
    // An ephemeral container is never started twice: unless the runtime still runs it, it stays as it was.
    if (finished || (slot.init && !slot.sidecar && initialized) || slot.ephemeral) slot.carried = prior;
  }
  return st;
}
