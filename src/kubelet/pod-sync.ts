// One pass over one pod: compare what should run with what the runtime runs, start or restart
// what is missing (init containers first, in order), honour the restart policy with CrashLoopBackOff,
// stop everything when the pod is deleted, and write the status when it changed. Level-triggered:
// a pass reads current state only, so running it again is harmless.
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { isDeepStrictEqual } from 'node:util';
import { hasReason, type Client, type ResourceType } from '../client/types.js';
import type { EventRecorder } from '../client/events.js';
import type { KObject } from '../registry/types.js';
import type { ContainerRuntime, ContainerStatus, Mount, SandboxStatus } from '../runtime/types.js';
import { VolumeError, writeEtcHosts, type PodVolumes } from './volumes/index.js';
import { goDuration, type RestartBackoff } from './backoff.js';
import { ContainerConfigError, expandCommand, resolveEnv } from './env.js';
import { apiTime } from './node-conditions.js';
import type { PodCache } from './pod-cache.js';
import { adoptPodState, ephemeralSlots, newPodState, type ContainerSlot, type PodState } from './pod-state.js';
import { computePodStatus, terminatedOf } from './pod-status.js';
import type { PodDnsSettings } from '../dns/pod-dns.js';
import { CONTAINER_NAME_LABEL, containerConfigOf, POD_UID_LABEL, sandboxConfigOf } from './runtime-config.js';
import type { ProbeManager, RunningContainer } from './probes/prober.js';
import { observePodStart } from './metrics.js';
import type { ImagePuller } from './images/image-puller.js';
import { runHook } from './lifecycle-hooks.js';

export const podsType: ResourceType = { group: '', version: 'v1', resource: 'pods' };

export interface PodSyncDeps {
  client: Client;
  runtime: ContainerRuntime;
  /** The runtime's name for container IDs: `sim` gives sim://<id>. */
  runtimeName: string;
  recorder: EventRecorder;
  nodeName: string;
  nodeIP: string;
  /** The runtime's pod network is up (the node has its podCIDR and the network plugin took it). */
  networkReady(): boolean;
  /** Where the runtime writes container logs: <logRoot>/<namespace>_<pod>_<uid>/<container>/<attempt>.log */
  logRoot: string;
  /** Cluster DNS for pods' resolv.conf; the runtime's default without it. */
  dns?: PodDnsSettings;
  allocatable(): Record<string, string>;
  backoff: RestartBackoff;
  puller: ImagePuller;
  /** How soon to try again after a container could not be configured (a missing ConfigMap). */
  configRetryMs: number;
  cache: PodCache;
  probes: ProbeManager;
  volumes: PodVolumes;
  /** How often a running pod's ConfigMap, Secret and downward API files are rewritten from the API. */
  volumeRefreshMs: number;
  enqueue(key: string, afterMs?: number): void;
  log(msg: string, fields?: Record<string, unknown>): void;
  signal: AbortSignal;
}

/** How soon a container whose start failed is looked at again (its exit is not always an event). */
const START_FAILURE_RECHECK_MS = 1000;
const SIDECAR_RECHECK_MS = 20;
/** Upstream's floor for what is left of the grace period after a preStop hook. */
const MIN_STOP_GRACE_SECONDS = 2;

const podRef = (pod: Pod) => `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;

export class PodSync {
  readonly states = new Map<string, PodState>();
  private sandboxes = new Map<string, string>();
  /** What the runtime was running when this agent started, by pod uid, until each pod is met. */
  private found = new Map<string, { sandbox: SandboxStatus; containers: ContainerStatus[] }>();

  constructor(private readonly d: PodSyncDeps) {}

  /** The pod a runtime sandbox belongs to, for container events. */
  keyOfSandbox(sandboxId: string): string | undefined {
    return this.sandboxes.get(sandboxId);
  }

  /** What the runtime runs at this agent's start: pods still running in it are taken over as they are. */
  async learnRuntime(): Promise<void> {
    const containers = await this.d.runtime.listContainers();
    for (const sandbox of await this.d.runtime.listSandboxes()) {
      if (sandbox.state !== 'ready') continue;
      const prior = this.found.get(sandbox.uid);
      // A pod has one live sandbox; if a crash left two, the newer one is the pod's.
      if (prior && prior.sandbox.attempt > sandbox.attempt) continue;
      this.found.set(sandbox.uid, { sandbox, containers: containers.filter((c) => c.sandboxId === sandbox.id) });
    }
  }

  /** Sandboxes of pods this node no longer runs (deleted while the agent was down): removed. */
  async removeStrays(knownUids: ReadonlySet<string>): Promise<void> {
    for (const sandbox of await this.d.runtime.listSandboxes()) {
      if (knownUids.has(sandbox.uid) || this.sandboxes.has(sandbox.id)) continue;
      this.found.delete(sandbox.uid);
      await this.d.runtime.stopPodSandbox(sandbox.id);
      await this.d.runtime.removePodSandbox(sandbox.id);
    }
  }

  /**
   * A pod that was running before this agent started: its state is made before any pass runs. When
   * the runtime still runs it, its sandbox and containers are taken over (nothing restarts);
   * otherwise its containers start again quietly.
   */
  adopt(key: string, pod: Pod): void {
    if (this.states.has(key) || pod.status?.phase !== 'Running') return;
    const live = this.found.get(pod.metadata!.uid!);
    const st = adoptPodState(key, pod);
    if (live) this.takeOver(st, pod, live.sandbox, live.containers);
    this.states.set(key, st);
  }

  private takeOver(st: PodState, pod: Pod, sandbox: SandboxStatus, containers: ContainerStatus[]): void {
    this.found.delete(st.uid);
    st.sandboxId = sandbox.id;
    st.sandboxAttempt = sandbox.attempt + 1;
    st.sandboxConfig = sandboxConfigOf(pod, { attempt: sandbox.attempt, logRoot: this.d.logRoot, dns: this.d.dns });
    st.ip = pod.spec?.hostNetwork ? this.d.nodeIP : sandbox.ip || pod.status?.podIP;
    this.sandboxes.set(sandbox.id, st.key);
    for (const slot of st.slots) {
      const mine = containers.filter((c) => c.labels[CONTAINER_NAME_LABEL] === slot.name && c.labels[POD_UID_LABEL] === st.uid).sort((a, b) => b.attempt - a.attempt);
      if (!mine[0]) continue;
      slot.currentId = mine[0].id;
      slot.previousId = mine[1]?.id;
      slot.restartCount = Math.max(slot.restartCount, mine[0].attempt);
      slot.quiet = false;
      slot.carried = undefined;
    }
  }

  /** Returns how long until the pod needs another look without any event, if it does. */
  async sync(key: string): Promise<number | undefined> {
    const pod = this.d.cache.get(key) as Pod | undefined;
    let st = this.states.get(key);
    if (st && (!pod || pod.metadata?.uid !== st.uid)) {
      // Deleted out from under us, or replaced by a new pod of the same name: stop and forget.
      if (!st.terminating) await this.teardown(st, 0);
      this.forget(st);
      st = undefined;
    }
    if (!pod) return undefined;
    const phase = pod.status?.phase;
    if (!st) {
      if (phase === 'Succeeded' || phase === 'Failed') return undefined; // finished before we met it
      st = phase === 'Running' || pod.metadata?.deletionTimestamp ? adoptPodState(key, pod) : newPodState(key, pod);
      if (!st.announced) st.seenAtMs = performance.now();
      this.states.set(key, st);
    }
    if (pod.metadata?.deletionTimestamp) {
      this.terminate(st, pod);
      return undefined;
    }
    if (st.tornDown) return undefined;
    const wait = await this.run(st, pod);
    // run() may have written a status already: compare with what is stored now.
    const latest = (this.d.cache.get(key) as Pod | undefined) ?? pod;
    const next = await this.writeStatus(st, latest.metadata?.uid === st.uid ? latest : pod);
    if (wait === 'no-network') return next;
    return [wait, next].filter((n): n is number => n !== undefined).sort((a, b) => a - b)[0];
  }

  private async run(st: PodState, pod: Pod): Promise<number | 'no-network' | undefined> {
    const spec = pod.spec!;
    if (!st.sandboxId) {
      const hostNetwork = spec.hostNetwork === true;
      if (!hostNetwork && !this.d.networkReady()) return 'no-network';
      st.startTime ??= apiTime();
      if (!st.announced) {
        // Pending with ContainerCreating first, as `kubectl get pods -w` shows it.
        st.announced = true;
        await this.writeStatus(st, pod);
      }
      // Volumes first: a missing ConfigMap keeps the pod in ContainerCreating with no sandbox, as upstream.
      if (!(await this.setUpVolumes(st, pod))) return this.d.configRetryMs;
      const config = sandboxConfigOf(pod, { attempt: st.sandboxAttempt++, logRoot: this.d.logRoot, dns: this.d.dns });
      let id: string;
      try {
        id = await this.d.runtime.runPodSandbox(config);
      } catch (err) {
        this.d.recorder.warning(pod as KObject, 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
        return this.d.configRetryMs;
      }
      st.sandboxId = id;
      st.sandboxConfig = config;
      this.sandboxes.set(id, st.key);
      st.ip = hostNetwork ? this.d.nodeIP : (await this.d.runtime.podSandboxStatus(id))?.ip;
      st.etcHosts = await writeEtcHosts(this.d.volumes.podDir(st.uid), {
        hostname: config.hostname,
        ...(st.ip ? { ip: st.ip } : {}),
        hostAliases: spec.hostAliases ?? [],
        hostNetwork,
      });
    } else if (!pod.metadata?.deletionTimestamp && Date.now() - (st.volumesRefreshedAt ?? 0) > this.d.volumeRefreshMs) {
      // Mounted ConfigMaps, Secrets and downward API files follow changes, as upstream's resync does.
      st.volumesRefreshedAt = Date.now();
      await this.d.volumes.refresh(pod).catch((err) => this.volumeFailed(st, pod, err));
    }
    const restartPolicy = spec.restartPolicy ?? 'Always';
    const waits: number[] = [];
    const note = (ms: number | undefined) => ms !== undefined && waits.push(ms);

    if (!st.initDone) {
      let allDone = true;
      for (const slot of st.slots.filter((s) => s.init)) {
        if (slot.carried) continue;
        const rt = await this.current(st, slot);
        if (!rt) {
          const wait = await this.start(st, pod, slot);
          // A sidecar that started lets the next container begin, and its running makes no event.
          note(wait ?? (slot.sidecar ? SIDECAR_RECHECK_MS : undefined));
          allDone = false;
          break;
        }
        if (rt.state !== 'exited') {
          if (slot.sidecar && rt.state === 'running') continue;
          allDone = false;
          break;
        }
        if (rt.exitCode === 0 && !slot.sidecar) continue;
        allDone = false;
        if (restartPolicy === 'Never' && !slot.sidecar) st.terminal = 'Failed';
        else note(await this.restart(st, pod, slot, rt));
        break;
      }
      if (allDone) st.initDone = true;
    }
    this.killUnhealthy(st, pod);
    if (st.initDone && !st.terminal) {
      st.slots.push(...ephemeralSlots(pod, st.slots));
      for (const slot of st.slots) {
        if (slot.carried || (slot.init && !slot.sidecar)) continue;
        if (slot.ephemeral) {
          // Started once; never restarted, whatever its exit.
          if (!slot.currentId) note(await this.start(st, pod, slot));
          continue;
        }
        const rt = await this.current(st, slot);
        if (!rt) note(await this.start(st, pod, slot));
        else if (rt.state === 'exited') {
          // A container killed for failing liveness is restarted whatever it exited with, as upstream.
          const unhealthy = slot.killedFor === rt.id && restartPolicy !== 'Never';
          const again = unhealthy || slot.sidecar || restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && rt.exitCode !== 0);
          if (again) note(await this.restart(st, pod, slot, rt));
        }
      }
    }
    return waits.length ? Math.min(...waits) : undefined;
  }

  /** The runtime's status of the slot's current container; once exited, with the message the
   *  container left in its termination-message file (or its last log lines, when it asks for that). */
  private async current(st: PodState, slot: ContainerSlot): Promise<ContainerStatus | undefined> {
    const rt = slot.currentId ? await this.d.runtime.containerStatus(slot.currentId) : undefined;
    if (!rt || rt.state !== 'exited' || rt.message) return rt;
    if (slot.exitMessage?.id !== rt.id) {
      let text = (await this.d.volumes.readTerminationMessage(st.uid, slot.name, rt.attempt).catch(() => undefined)) ?? '';
      if (!text && rt.exitCode !== 0 && slot.spec.terminationMessagePolicy === 'FallbackToLogsOnError') text = await this.lastLogLines(rt.id);
      slot.exitMessage = { id: rt.id, text };
    }
    return slot.exitMessage.text ? { ...rt, message: slot.exitMessage.text } : rt;
  }

  /** Upstream's fallback: the last 80 lines, at most 2048 bytes. */
  private async lastLogLines(id: string): Promise<string> {
    let out = '';
    try {
      for await (const line of this.d.runtime.readLog(id, { tailLines: 80 }, this.d.signal)) out += line;
    } catch {
      return '';
    }
    return Buffer.from(out).subarray(-2048).toString('utf8').trimEnd();
  }

  /** Restarts an exited container unless it is in back-off; returns the wait when it is. */
  private async restart(st: PodState, pod: Pod, slot: ContainerSlot, rt: ContainerStatus): Promise<number | undefined> {
    const key = `${st.uid}/${slot.name}`;
    const exitedAt = Date.parse(rt.finishedAt!);
    const now = Date.now();
    const wait = this.d.backoff.remaining(key, exitedAt, now);
    if (wait > 0) {
      const delay = goDuration(this.d.backoff.delayOf(key));
      slot.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${delay} restarting failed container=${slot.name} pod=${podRef(pod)}` };
      if (slot.backoffReportedFor !== rt.id) {
        slot.backoffReportedFor = rt.id;
        this.d.recorder.warning(pod as KObject, 'BackOff', `Back-off restarting failed container ${slot.name} in pod ${podRef(pod)}`);
      }
      return wait;
    }
    this.d.backoff.restarted(key, exitedAt, now);
    return this.start(st, pod, slot, rt);
  }

  /** Creates and starts the slot's next instance; `previous` is the one it replaces. */
  private async start(st: PodState, pod: Pod, slot: ContainerSlot, previous?: ContainerStatus): Promise<number | undefined> {
    const c = slot.spec;
    const quiet = slot.quiet === true;
    slot.quiet = false;
    let envs;
    try {
      envs = await resolveEnv(this.d.client, {
        pod,
        container: c,
        podIPs: st.ip ? [st.ip] : [],
        hostIPs: [this.d.nodeIP],
        nodeAllocatable: this.d.allocatable(),
      });
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      slot.waiting = { reason: 'CreateContainerConfigError', message: err.message };
      this.d.recorder.warning(pod as KObject, 'Failed', `Error: ${err.message}`);
      return this.d.configRetryMs;
    }
    const pulled = await this.d.puller.ensure(pod, c, quiet);
    if (!pulled.ok) {
      slot.waiting = pulled.waiting;
      return pulled.retryMs;
    }
    if (previous) {
      if (slot.previousId) await this.d.runtime.removeContainer(slot.previousId);
      slot.previousId = previous.id;
      slot.lastTerminated = terminatedOf(previous, this.d.runtimeName);
      slot.restartCount++;
    }
    const { command, args } = expandCommand(c, envs);
    const config = containerConfigOf({ pod, container: c, attempt: slot.restartCount, command, args, envs, mounts: await this.mountsFor(st, pod, slot) });
    const target = slot.ephemeral ? (c as { targetContainerName?: string }).targetContainerName : undefined;
    if (target) {
      const targetId = st.slots.find((s) => s.name === target)?.currentId;
      if (!targetId) {
        slot.waiting = { reason: 'CreateContainerError', message: `target container "${target}" is not running` };
        return this.d.configRetryMs;
      }
      config.targetContainerId = targetId;
    }
    let id: string;
    try {
      id = await this.d.runtime.createContainer(st.sandboxId!, config, st.sandboxConfig!);
    } catch (err) {
      const message = (err as Error).message;
      slot.waiting = { reason: 'CreateContainerError', message };
      this.d.recorder.warning(pod as KObject, 'Failed', `Error: ${message}`);
      return this.d.configRetryMs;
    }
    slot.currentId = id;
    slot.created = { command, args, env: envs.map((e) => ({ name: e.key, value: e.value })) };
    slot.waiting = undefined;
    if (!quiet) this.d.recorder.normal(pod as KObject, 'Created', `Created container: ${c.name}`);
    try {
      await this.d.runtime.startContainer(id);
    } catch (err) {
      // The container exists and has ended (StartError, exit code 128); the next pass restarts it
      // through the back-off, so a command that cannot start ends in CrashLoopBackOff, as upstream.
      this.d.recorder.warning(pod as KObject, 'Failed', `Error: ${(err as Error).message}`);
      return START_FAILURE_RECHECK_MS;
    }
    if (!quiet) this.d.recorder.normal(pod as KObject, 'Started', `Started container ${c.name}`);
    if (c.lifecycle?.postStart && !quiet) {
      // As upstream, the pass waits for it (it has no time limit); a failure kills the container,
      // which the restart policy then handles.
      const hook = await runHook(c.lifecycle.postStart, { pod, container: c, containerId: id, podIP: this.podIP(st, pod) }, this.d.runtime, 0);
      if (!hook.ok) {
        this.d.recorder.warning(pod as KObject, 'FailedPostStartHook', hook.message);
        this.d.recorder.normal(pod as KObject, 'Killing', `FailedPostStartHook`);
        await this.d.runtime.stopContainer(id, pod.spec?.terminationGracePeriodSeconds ?? 30);
        return START_FAILURE_RECHECK_MS;
      }
    }
    return undefined;
  }

  private podIP(st: PodState, pod: Pod): string {
    return pod.spec?.hostNetwork ? this.d.nodeIP : st.ip ?? '';
  }

  /**
   * Stops one container as upstream does: its preStop hook first, given the grace period, then
   * SIGTERM with what is left of it (at least 2 s), then SIGKILL.
   */
  private async stopContainer(st: PodState, pod: Pod | undefined, slot: ContainerSlot, id: string, graceSeconds: number): Promise<void> {
    let left = graceSeconds;
    const preStop = slot.spec.lifecycle?.preStop;
    if (preStop && pod && graceSeconds > 0) {
      const t0 = Date.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hook = await Promise.race([
        runHook(preStop, { pod, container: slot.spec, containerId: id, podIP: this.podIP(st, pod) }, this.d.runtime, graceSeconds),
        new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), graceSeconds * 1000))),
      ]);
      clearTimeout(timer);
      if (hook && !hook.ok) this.d.recorder.warning(pod as KObject, 'FailedPreStopHook', hook.message);
      left = Math.max(MIN_STOP_GRACE_SECONDS, graceSeconds - (Date.now() - t0) / 1000);
    }
    await this.d.runtime.stopContainer(id, left);
  }

  /** Deletion: stop the containers within the grace period, write the final status, confirm. */
  private terminate(st: PodState, pod: Pod): void {
    if (st.terminating) return;
    const grace = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    let failed = false;
    st.terminating = (async () => {
      const hadSandbox = st.sandboxId !== undefined;
      await this.teardown(st, grace, pod);
      if (this.d.signal.aborted) return;
      st.killed = true;
      if (hadSandbox) await this.writeStatus(st, this.d.cache.get(st.key) as Pod | undefined ?? pod);
      try {
        await this.d.client.delete(podsType, pod.metadata!.namespace, pod.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: st.uid } });
      } catch (err) {
        if (!hasReason(err, 'NotFound') && !hasReason(err, 'Conflict')) throw err;
      }
    })()
      .catch((err) => {
        failed = true;
        this.d.log('pod termination failed', { pod: st.key, error: (err as Error)?.message ?? String(err) });
      })
      .finally(() => {
        // A failed attempt is tried again by the next pass; a finished one lets that pass forget the pod.
        if (failed) st.terminating = undefined;
        if (!this.d.signal.aborted) this.d.enqueue(st.key, failed ? this.d.configRetryMs : undefined);
      });
  }

  /** Stops every container (SIGTERM, SIGKILL after `graceSeconds`), then the sandbox, and frees the address. */
  private async teardown(st: PodState, graceSeconds: number, pod?: Pod): Promise<void> {
    const running: Array<{ slot: ContainerSlot; id: string }> = [];
    for (const slot of st.slots) {
      const rt = await this.current(st, slot);
      if (rt && rt.state !== 'exited') running.push({ slot, id: rt.id });
    }
    for (const { slot } of running) if (pod) this.d.recorder.normal(pod as KObject, 'Killing', `Stopping container ${slot.name}`);
    // App containers first, then sidecars, as a pod shuts down.
    const app = running.filter((r) => !r.slot.init);
    await Promise.all(app.map((r) => this.stopContainer(st, pod, r.slot, r.id, graceSeconds)));
    await Promise.all(running.filter((r) => r.slot.init).map((r) => this.stopContainer(st, pod, r.slot, r.id, graceSeconds)));
    for (const slot of st.slots) if (slot.waiting?.reason === 'CrashLoopBackOff') slot.waiting = undefined;
    if (st.sandboxId) {
      await this.d.runtime.stopPodSandbox(st.sandboxId);
      this.sandboxes.delete(st.sandboxId);
    }
    st.tornDown = true;
  }

  private forget(st: PodState): void {
    this.states.delete(st.key);
    this.d.probes.remove(st.key);
    this.d.backoff.forget(`${st.uid}/`);
    this.d.puller.forget(st.uid);
    const ids = st.slots.flatMap((s) => [s.currentId, s.previousId]).filter((id): id is string => id !== undefined);
    const sandbox = st.sandboxId;
    void (async () => {
      for (const id of ids) await this.d.runtime.removeContainer(id);
      if (sandbox) {
        this.sandboxes.delete(sandbox);
        await this.d.runtime.removePodSandbox(sandbox);
      }
      // Only once nothing runs in it: its tmpfs and files go last.
      await this.d.volumes.tearDown(st.uid);
    })().catch((err) => this.d.log('removing a pod left something behind', { pod: st.key, error: (err as Error).message }));
  }

  /** Volumes of a pod about to get its sandbox; false (with the event) when one cannot be set up yet. */
  private async setUpVolumes(st: PodState, pod: Pod): Promise<boolean> {
    try {
      st.mounts = await this.d.volumes.setUp(pod);
      st.volumesRefreshedAt = Date.now();
      return true;
    } catch (err) {
      this.volumeFailed(st, pod, err);
      return false;
    }
  }

  private volumeFailed(st: PodState, pod: Pod, err: unknown): void {
    if (!(err instanceof VolumeError)) throw err;
    if (err.reason === 'CreateContainerConfigError') {
      for (const slot of st.slots) slot.waiting = { reason: 'CreateContainerConfigError', message: err.message };
      this.d.recorder.warning(pod as KObject, 'Failed', `Error: ${err.message}`);
    } else this.d.recorder.warning(pod as KObject, 'FailedMount', err.eventMessage);
  }

  /** The container's volume mounts, the pod's /etc/hosts (unless it mounts its own) and a fresh
   *  termination-message file for this restart. */
  private async mountsFor(st: PodState, pod: Pod, slot: ContainerSlot): Promise<Mount[]> {
    const mounts = [...(st.mounts?.get(slot.name) ?? [])];
    if (st.etcHosts && !mounts.some((m) => m.containerPath === '/etc/hosts')) mounts.push(st.etcHosts);
    const term = await this.d.volumes.terminationLog(pod, slot.spec, slot.restartCount);
    if (term) mounts.push(term);
    return mounts;
  }

  /** Computes the status and writes what changed; keeps the probes in step with what runs. */
  private async writeStatus(st: PodState, pod: Pod): Promise<undefined> {
    const containers = new Map<string, ContainerStatus>();
    const running: RunningContainer[] = [];
    const podIP = this.podIP(st, pod);
    for (const slot of st.slots) {
      const rt = await this.current(st, slot);
      if (!rt) continue;
      containers.set(rt.id, rt);
      if (rt.state === 'running' && rt.startedAt && !st.tornDown && (!slot.init || slot.sidecar)) {
        running.push({ name: slot.name, id: rt.id, startedAtMs: Date.parse(rt.startedAt), spec: slot.spec, podIP });
      }
    }
    this.d.probes.sync(st.key, pod, running);
    const probes = { isStarted: (c: string) => this.d.probes.isStarted(st.key, c), isReady: (c: string) => this.d.probes.isReady(st.key, c) };
    const now = new Date();
    const inputs = { pod, state: st, containers, runtimeName: this.d.runtimeName, nodeIP: this.d.nodeIP, probes, now };
    let computed = computePodStatus(inputs);
    const phase = computed.status.phase;
    if (phase === 'Running' && st.seenAtMs !== undefined) {
      observePodStart((performance.now() - st.seenAtMs) / 1000);
      st.seenAtMs = undefined;
    }
    if (!st.tornDown && (phase === 'Succeeded' || phase === 'Failed')) {
      // Finished for good: nothing will run in this sandbox again.
      st.terminal = phase;
      await this.teardown(st, pod.spec?.terminationGracePeriodSeconds ?? 30);
      computed = computePodStatus(inputs);
    }
    await this.patchStatus(st, pod, computed.status);
    return undefined;
  }

  /** Containers that failed liveness (or startup) are stopped; their exit then takes the restart path. */
  private killUnhealthy(st: PodState, pod: Pod): void {
    for (const slot of st.slots) {
      const verdict = this.d.probes.restartFor(st.key, slot.name);
      if (!verdict || verdict.containerId !== slot.currentId || slot.killedFor === verdict.containerId) continue;
      slot.killedFor = verdict.containerId;
      this.d.recorder.normal(pod as KObject, 'Killing', verdict.message);
      void this.stopContainer(st, pod, slot, verdict.containerId, verdict.gracePeriodSeconds)
        .catch((err) => this.d.log('stopping an unhealthy container failed', { pod: st.key, container: slot.name, error: (err as Error).message }))
        .finally(() => this.d.enqueue(st.key));
    }
  }

  private async patchStatus(st: PodState, pod: Pod, next: PodStatus): Promise<void> {
    const prior = (pod.status ?? {}) as Record<string, unknown>;
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(next)) if (!isDeepStrictEqual(prior[k], v)) body[k] = v;
    if (Object.keys(body).length === 0 || this.d.signal.aborted) return;
    if (body.conditions) {
      // Conditions merge by type, field by field: a field that went away (a reason, a message) is
      // deleted with null, as a two-way merge patch says it.
      const before = (prior.conditions ?? []) as Array<Record<string, unknown>>;
      body.conditions = next.conditions!.map((c) => {
        const old = before.find((o) => o.type === c.type);
        const gone = Object.keys(old ?? {}).filter((k) => !(k in c));
        return { ...c, ...Object.fromEntries(gone.map((k) => [k, null])) };
      });
      body['$setElementOrder/conditions'] = next.conditions!.map((c) => ({ type: c.type }));
    }
    // The same patch against the object it produced: the server stores something we cannot express
    // exactly; writing it again would only loop.
    const text = JSON.stringify(body);
    if (text === st.lastPatch && pod.metadata?.resourceVersion === st.lastPatchResult) return;
    try {
      const stored = await this.d.client.patch(podsType, pod.metadata!.namespace, pod.metadata!.name!, { type: 'strategic', body: { metadata: { uid: pod.metadata!.uid }, status: body } }, { subresource: 'status' });
      st.lastPatch = text;
      st.lastPatchResult = stored.metadata.resourceVersion;
      this.d.cache.offer(stored);
    } catch (err) {
      if (!hasReason(err, 'NotFound') && !hasReason(err, 'Conflict')) throw err;
    }
  }
}
