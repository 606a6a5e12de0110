// The pod status a 1.32 kubelet writes, computed from the kubelet's memory of the pod and what the
// runtime says about its containers: phase, the five conditions in the order kubectl shows them,
// container statuses, addresses. Pure: the same inputs give the same status, so comparing it with
// the stored one tells whether anything needs writing.
import type {
  ContainerState,
  ContainerStateTerminated,
  ContainerStatus as ApiContainerStatus,
  Pod,
  PodCondition,
  PodStatus,
} from 'kubernetes-types/core/v1.js';
import type { ContainerStatus } from '../runtime/types.js';
import { apiTime } from './node-conditions.js';
import type { ContainerSlot, PodState } from './pod-state.js';

/** What the probes say of a running container (started: startup probe passed or none; ready). */
export interface ProbeView {
  isStarted(container: string): boolean;
  isReady(container: string): boolean;
}

export interface StatusInputs {
  pod: Pod;
  state: PodState;
  /** The runtime's view of each slot's current container, by container id. */
  containers: Map<string, ContainerStatus>;
  runtimeName: string;
  nodeIP: string;
  probes: ProbeView;
  now: Date;
}

export interface ComputedStatus {
  status: PodStatus;
}

const toApiTime = (iso: string | undefined) => (iso ? apiTime(new Date(iso)) : undefined);

export function terminatedOf(rt: ContainerStatus, runtimeName: string): ContainerStateTerminated {
  return {
    exitCode: rt.exitCode ?? 0,
    reason: rt.reason ?? (rt.exitCode === 0 ? 'Completed' : 'Error'),
    ...(rt.message ? { message: rt.message } : {}),
    ...(rt.startedAt ? { startedAt: toApiTime(rt.startedAt) } : {}),
    finishedAt: toApiTime(rt.finishedAt),
    containerID: `${runtimeName}://${rt.id}`,
  };
}

interface SlotView {
  api: ApiContainerStatus;
}

function slotStatus(slot: ContainerSlot, rt: ContainerStatus | undefined, i: StatusInputs, initPending: boolean): SlotView {
  if (!rt && slot.carried) return { api: slot.carried };
  const base = {
    name: slot.name,
    image: rt?.image ?? slot.spec.image ?? '',
    imageID: rt?.imageRef ?? '',
    restartCount: slot.restartCount,
    lastState: slot.lastTerminated ? { terminated: slot.lastTerminated } : {},
  };
  if (!rt || rt.state === 'created') {
    const reason = slot.waiting?.reason ?? (initPending && !slot.init ? 'PodInitializing' : slot.init && !rt ? 'PodInitializing' : 'ContainerCreating');
    const state: ContainerState = { waiting: { reason, ...(slot.waiting?.message ? { message: slot.waiting.message } : {}) } };
    return { api: { ...base, state, ready: false, started: false } };
  }
  const containerID = `${i.runtimeName}://${rt.id}`;
  if (rt.state === 'exited') {
    const terminated = terminatedOf(rt, i.runtimeName);
    if (slot.waiting) {
      const state: ContainerState = { waiting: { reason: slot.waiting.reason, ...(slot.waiting.message ? { message: slot.waiting.message } : {}) } };
      return { api: { ...base, containerID, state, lastState: { terminated }, ready: false, started: false } };
    }
    return { api: { ...base, containerID, state: { terminated }, ready: false, started: false } };
  }
  const started = i.probes.isStarted(slot.name);
  // An init container that runs to completion is never "ready"; a sidecar is, by its probes.
  const ready = (slot.init && !slot.sidecar) || slot.ephemeral ? false : i.probes.isReady(slot.name);
  return { api: { ...base, containerID, state: { running: { startedAt: toApiTime(rt.startedAt) } }, ready, started } };
}

/** Phase from the container statuses, as the kubelet's getPhase decides it. */
export function podPhase(pod: Pod, state: PodState, init: ApiContainerStatus[], app: ApiContainerStatus[]): PodStatus['phase'] {
  if (state.terminal) return state.terminal;
  const restartPolicy = pod.spec?.restartPolicy ?? 'Always';
  const initSpecs = state.slots.filter((s) => s.init);
  let failedInit = false;
  let pendingInit = false;
  for (const s of initSpecs) {
    const st = init.find((c) => c.name === s.name);
    if (s.sidecar) {
      if (!st?.started && !state.initDone) pendingInit = true;
      continue;
    }
    const t = st?.state?.terminated;
    if (t && t.exitCode === 0) continue;
    pendingInit = true;
    if (t || st?.lastState?.terminated) failedInit = true;
  }
  if (failedInit && restartPolicy === 'Never') return 'Failed';
  if (pendingInit && !state.initDone) return 'Pending';
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  let waiting = 0;
  for (const c of app) {
    if (c.state?.running) running++;
    else if (c.state?.terminated) {
      stopped++;
      if (c.state.terminated.exitCode === 0) succeeded++;
    } else if (c.lastState?.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped === app.length && app.length > 0) {
    if (state.killed) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

const listMessage = (what: string, names: string[]) => `containers with ${what} status: [${names.join(' ')}]`;

export function computePodStatus(i: StatusInputs): ComputedStatus {
  const { pod, state } = i;
  const prior = pod.status ?? {};
  const initPending = !state.initDone;
  const views = state.slots.map((slot) => ({ slot, view: slotStatus(slot, slot.currentId ? i.containers.get(slot.currentId) : undefined, i, initPending) }));
  const init = views.filter((v) => v.slot.init).map((v) => v.view.api);
  const app = views.filter((v) => !v.slot.init && !v.slot.ephemeral).map((v) => v.view.api);
  const ephemeral = views.filter((v) => v.slot.ephemeral).map((v) => v.view.api);
  const phase = podPhase(pod, state, init, app);
  const completed = phase === 'Succeeded';

  const notInitialized = state.slots.filter((s) => s.init && !state.initDone && !(init.find((c) => c.name === s.name)?.state?.terminated?.exitCode === 0)).map((s) => s.name);
  const unready = app.filter((c) => !c.ready).map((c) => c.name);
  const gates = (pod.spec?.readinessGates ?? []).map((g) => g.conditionType);
  const missingGate = gates.find((g) => !prior.conditions?.some((c) => c.type === g));
  const falseGates = gates.filter((g) => prior.conditions?.some((c) => c.type === g && c.status !== 'True'));

  const sandboxReady = state.sandboxId !== undefined && !state.tornDown;
  const wanted: Array<Omit<PodCondition, 'lastTransitionTime'>> = [
    { type: 'PodReadyToStartContainers', status: sandboxReady ? 'True' : 'False' },
    notInitialized.length === 0
      ? { type: 'Initialized', status: 'True', ...(completed ? { reason: 'PodCompleted' } : {}) }
      : { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: listMessage('incomplete', notInitialized) },
  ];
  const containersReady: Omit<PodCondition, 'type'> = completed
    ? { status: 'False', reason: 'PodCompleted' }
    : unready.length
      ? { status: 'False', reason: 'ContainersNotReady', message: listMessage('unready', unready) }
      : { status: 'True' };
  let ready = containersReady;
  if (ready.status === 'True' && missingGate) {
    ready = { status: 'False', reason: 'ReadinessGatesNotReady', message: `corresponding condition of pod readiness gate "${missingGate}" does not exist.` };
  } else if (ready.status === 'True' && falseGates.length) {
    ready = { status: 'False', reason: 'ReadinessGatesNotReady', message: `the status of pod readiness gate "${falseGates[0]}" is not "True", but False` };
  }
  wanted.push({ type: 'Ready', ...ready }, { type: 'ContainersReady', ...containersReady });
  const scheduled = prior.conditions?.find((c) => c.type === 'PodScheduled');
  const nowText = apiTime(i.now);
  const conditions: PodCondition[] = wanted.map((c) => {
    const before = prior.conditions?.find((p) => p.type === c.type);
    return { ...c, lastTransitionTime: before?.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : nowText } as PodCondition;
  });
  conditions.push(scheduled ?? { type: 'PodScheduled', status: 'True', lastTransitionTime: nowText });
  // Conditions other writers own (DisruptionTarget, readiness gates) stay as they are.
  for (const c of prior.conditions ?? []) if (!conditions.some((k) => k.type === c.type)) conditions.push(c);

  const hostNetwork = pod.spec?.hostNetwork === true;
  const podIP = hostNetwork ? i.nodeIP : state.sandboxId || state.terminal ? state.ip : undefined;
  const status: PodStatus = {
    ...prior,
    phase,
    conditions,
    hostIP: i.nodeIP,
    hostIPs: [{ ip: i.nodeIP }],
    ...(state.startTime ? { startTime: state.startTime } : {}),
    ...(init.length ? { initContainerStatuses: init } : {}),
    containerStatuses: app,
    ...(ephemeral.length ? { ephemeralContainerStatuses: ephemeral } : {}),
  };
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  return { status };
}

