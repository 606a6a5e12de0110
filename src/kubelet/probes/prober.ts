// The kubelet's probing of the containers it runs: one worker per container instance and probe
// kind, kept in step with what runs by the pod sync calling sync() after each pass. It answers
// whether a container has started and is ready (for the status), says which containers must be
// restarted after failing liveness or startup, and reports each change of a result so the pod sync
// can take another look at the pod.
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntime } from '../../runtime/types.js';
import { probeEvent, runProbe, type ProbeEventText } from './probe.js';
import type { ProbeAttempt, ProbeKind, ProbeTarget } from './types.js';
import { ProbeWorker, realClock, type Clock } from './worker.js';

/** A container instance that runs now, as the pod sync knows it. */
export interface RunningContainer {
  name: string;
  /** The runtime's container id: a new id is a new instance, probed from scratch. */
  id: string;
  startedAtMs: number;
  spec: Container;
  /** The pod's address (the node's with host networking): network probes go there. */
  podIP: string;
}

export interface ProbeResultChange {
  podKey: string;
  container: string;
  containerId: string;
  kind: ProbeKind;
  result: 'success' | 'failure';
  /** For a failure, the event text of the attempt that decided it ("Liveness probe failed: ..."); for a success, its output. */
  message: string;
}

export interface ProbeEvent extends ProbeEventText {
  podKey: string;
  container: string;
  containerId: string;
}

/** A container to kill (and, by the restart policy, start again) because it failed a probe. */
export interface ProbeRestart {
  containerId: string;
  kind: 'liveness' | 'startup';
  /** The Killing event's message, e.g. "Container app failed liveness probe, will be restarted". */
  message: string;
  /** SIGTERM to SIGKILL: the probe's own terminationGracePeriodSeconds wins over the pod's. */
  gracePeriodSeconds: number;
}

export interface ProbeManagerOptions {
  /** Exec probes run through it. */
  runtime: Pick<ContainerRuntime, 'execSync'>;
  /** A stored result changed: the pod needs a pass (a restart, a Ready condition to write). */
  onResult(change: ProbeResultChange): void;
  /** Every failed, errored or warning attempt, as the upstream kubelet records Unhealthy/ProbeWarning events. */
  onEvent?(event: ProbeEvent): void;
  clock?: Clock;
  /** Replaces the real probes: tests, or a runtime whose containers the node cannot reach. */
  runProbe?(kind: ProbeKind, probe: Probe, target: ProbeTarget): Promise<ProbeAttempt>;
  /** For spreading the first probes of containers found running at start. Default Math.random. */
  random?(): number;
  execGraceMs?: number;
}

const KINDS: ProbeKind[] = ['startup', 'liveness', 'readiness'];
const probeOf = (spec: Container, kind: ProbeKind): Probe | undefined =>
  kind === 'startup' ? spec.startupProbe : kind === 'liveness' ? spec.livenessProbe : spec.readinessProbe;
/** The upstream kubelet never gives a container less than this to stop. */
const MIN_GRACE_SECONDS = 2;

interface ContainerEntry {
  target: ProbeTarget;
  workers: Partial<Record<ProbeKind, ProbeWorker>>;
}

interface PodEntry {
  pod: Pod;
  containers: Map<string, ContainerEntry>;
}

export class ProbeManager {
  private readonly pods = new Map<string, PodEntry>();
  private readonly clock: Clock;
  private readonly createdAt: number;
  private stopped = false;

  constructor(private readonly o: ProbeManagerOptions) {
    this.clock = o.clock ?? realClock;
    this.createdAt = this.clock.now();
  }

  /**
   * Makes the workers match what runs: `containers` are the pod's running containers (app
   * containers and sidecars). Workers of containers missing from the list, or replaced by a new
   * id, stop; new instances get fresh workers.
   */
  sync(podKey: string, pod: Pod, containers: RunningContainer[]): void {
    if (this.stopped) return;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return this.remove(podKey);
    let entry = this.pods.get(podKey);
    if (!entry) {
      entry = { pod, containers: new Map() };
      this.pods.set(podKey, entry);
    }
    entry.pod = pod;
    const wanted = new Map(containers.map((c) => [c.name, c]));
    for (const [name, c] of entry.containers) {
      if (wanted.get(name)?.id === c.target.containerId) continue;
      for (const w of Object.values(c.workers)) w.stop();
      entry.containers.delete(name);
    }
    for (const c of containers) {
      if (!entry.containers.has(c.name)) entry.containers.set(c.name, this.start(podKey, entry, c));
      else entry.containers.get(c.name)!.target.podIP = c.podIP;
    }
    if (pod.metadata?.deletionTimestamp) {
      // Being deleted: no restart for a failed liveness or startup probe; readiness goes on.
      for (const c of entry.containers.values()) for (const kind of ['liveness', 'startup'] as const) c.workers[kind]?.force('success');
    }
    if (entry.containers.size === 0) this.pods.delete(podKey);
  }

  /** Started: no startup probe, or it succeeded. False for a container not running. */
  isStarted(podKey: string, container: string): boolean {
    const c = this.pods.get(podKey)?.containers.get(container);
    if (!c) return false;
    const s = c.workers.startup;
    return !s || s.result === 'success';
  }

  /** Ready: started, and no readiness probe or it succeeded. False for a container not running. */
  isReady(podKey: string, container: string): boolean {
    if (!this.isStarted(podKey, container)) return false;
    const r = this.pods.get(podKey)!.containers.get(container)!.workers.readiness;
    return !r || r.result === 'success';
  }

  /** The container failed liveness or startup and must be killed; undefined when it need not. */
  restartFor(podKey: string, container: string): ProbeRestart | undefined {
    const entry = this.pods.get(podKey);
    const c = entry?.containers.get(container);
    if (!entry || !c || entry.pod.metadata?.deletionTimestamp) return undefined;
    // Liveness first, as upstream checks it first.
    const kind = (['liveness', 'startup'] as const).find((k) => c.workers[k]?.result === 'failure');
    if (!kind) return undefined;
    const pod = entry.pod;
    const again = c.target.spec.restartPolicy === 'Always' || (pod.spec?.restartPolicy ?? 'Always') !== 'Never';
    const grace = pod.metadata?.deletionGracePeriodSeconds ?? probeOf(c.target.spec, kind)?.terminationGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    return {
      containerId: c.target.containerId,
      kind,
      message: `Container ${container} failed ${kind} probe${again ? ', will be restarted' : ''}`,
      gracePeriodSeconds: Math.max(MIN_GRACE_SECONDS, grace),
    };
  }

  /** The pod is gone (or finished): its probes stop. */
  remove(podKey: string): void {
    const entry = this.pods.get(podKey);
    if (!entry) return;
    for (const c of entry.containers.values()) for (const w of Object.values(c.workers)) w.stop();
    this.pods.delete(podKey);
  }

  stop(): void {
    this.stopped = true;
    for (const key of [...this.pods.keys()]) this.remove(key);
  }

  private start(podKey: string, entry: PodEntry, c: RunningContainer): ContainerEntry {
    const ce: ContainerEntry = { target: { containerId: c.id, podIP: c.podIP, spec: c.spec }, workers: {} };
    const run = this.o.runProbe ?? ((_kind, probe, target) => runProbe(probe, target, { runtime: this.o.runtime, execGraceMs: this.o.execGraceMs }));
    for (const kind of KINDS) {
      const probe = probeOf(c.spec, kind);
      if (!probe) continue;
      // Containers that ran before this agent started would all be probed at once: spread them over a period.
      const spreadMs = c.startedAtMs < this.createdAt ? Math.floor((this.o.random ?? Math.random)() * Math.max(1, probe.periodSeconds ?? 10) * 1000) : 0;
      const worker = new ProbeWorker({
        kind,
        probe,
        startedAtMs: c.startedAtMs,
        spreadMs,
        clock: this.clock,
        attempt: () => run(kind, probe, ce.target),
        mayRun: () => this.mayRun(entry, ce, kind),
        onAttempt: (attempt) => {
          const ev = probeEvent(kind, attempt);
          if (ev) this.o.onEvent?.({ podKey, container: c.name, containerId: c.id, ...ev });
        },
        onChange: (result, attempt) => {
          // Readiness waits for the next tick otherwise; upstream's status pass nudges it the same way.
          if (kind === 'startup' && result === 'success') ce.workers.readiness?.trigger();
          const message = result === 'failure' ? probeEvent(kind, attempt)!.message : attempt.output;
          this.o.onResult({ podKey, container: c.name, containerId: c.id, kind, result, message });
        },
      });
      ce.workers[kind] = worker;
    }
    for (const w of Object.values(ce.workers)) w.start();
    return ce;
  }

  private mayRun(entry: PodEntry, c: ContainerEntry, kind: ProbeKind): boolean {
    if (kind !== 'readiness' && entry.pod.metadata?.deletionTimestamp) return false;
    if (kind === 'startup') return true;
    // Nothing else runs before the startup probe succeeded.
    const s = c.workers.startup;
    return !s || s.result === 'success';
  }
}
