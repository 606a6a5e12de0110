// The desired replica count for one resource metric, as upstream's replica calculator computes it:
// usage against the pods' requests (utilization) or as a raw average, a tolerance band around the
// target, and the conservative treatment of pods without usable metrics — on a scale-up, missing
// and unready pods count as using nothing; on a scale-down, missing pods count as using their whole
// request (or the target, if higher) — and no change at all when that treatment flips the direction.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodMetricsInfo } from './pod-metrics.js';
import { milliValue } from './units.js';

export interface CalcOptions {
  /** Ratios within 1 ± tolerance change nothing (upstream default 0.1). */
  tolerance: number;
  /** CPU samples of a pod this young are trusted only from a ready pod, one window after it became ready. */
  cpuInitializationPeriodMs: number;
  /** A pod not ready this soon after start has never been ready: its CPU sample is ignored. */
  delayOfInitialReadinessStatusMs: number;
  nowMs: number;
}

export const defaultCalcOptions = (nowMs: number): CalcOptions => ({
  tolerance: 0.1,
  cpuInitializationPeriodMs: 300_000,
  delayOfInitialReadinessStatusMs: 30_000,
  nowMs,
});

export interface ResourceTarget {
  resource: string;
  /** Only this container's usage and request count (a ContainerResource metric). */
  container?: string;
  /** Percent of the request; exactly one of this and averageValueMilli is set. */
  utilization?: number;
  averageValueMilli?: number;
}

export interface ReplicaProposal {
  replicas: number;
  /** Percent of request, for utilization targets. */
  utilization?: number;
  /** Average usage per pod, in milli-units. */
  averageValueMilli: number;
}

interface PodGroups {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

const readyCondition = (pod: Pod) => pod.status?.conditions?.find((c) => c.type === 'Ready');
const ms = (t: string | undefined) => (t ? Date.parse(t) : NaN);

function groupPods(pods: readonly Pod[], metrics: PodMetricsInfo, resource: string, o: CalcOptions): PodGroups {
  const g: PodGroups = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    // Only CPU is distorted by start-up (a JIT warming, a cache filling); memory samples count as they are.
    if (resource === 'cpu') {
      const ready = readyCondition(pod);
      const start = ms(pod.status?.startTime);
      let unready: boolean;
      if (!ready || Number.isNaN(start)) unready = true;
      else if (start + o.cpuInitializationPeriodMs > o.nowMs) {
        unready = ready.status === 'False' || metric.timestampMs < ms(ready.lastTransitionTime) + metric.windowMs;
      } else {
        unready = ready.status === 'False' && start + o.delayOfInitialReadinessStatusMs > ms(ready.lastTransitionTime);
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyCount++;
  }
  return g;
}

/** Milli-requests per pod; throws upstream's message when a counted container has none. */
export function podRequests(pods: readonly Pod[], resource: string, container?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    // Sidecars (restartable init containers) run alongside the app and count too.
    const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
    let sum = 0;
    let found = false;
    for (const c of containers) {
      if (container && c.name !== container) continue;
      found = true;
      const req = milliValue(c.resources?.requests?.[resource]);
      if (req === undefined) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${name}`);
      sum += req;
    }
    if (container && !found) throw new Error(`container ${container} not found in Pod ${name}`);
    out.set(name, sum);
  }
  return out;
}

function utilizationRatio(metrics: PodMetricsInfo, requests: Map<string, number>, target: number) {
  let usage = 0;
  let requested = 0;
  let entries = 0;
  for (const [pod, m] of metrics) {
    const req = requests.get(pod);
    if (req === undefined) continue; // metrics of pods we were not asked about
    usage += m.value;
    requested += req;
    entries++;
  }
  if (requested === 0) throw new Error('no metrics returned matched known pods');
  // Integer percent first, as upstream: the ratio is taken from the rounded-down utilization.
  const utilization = Math.trunc((usage * 100) / requested);
  return { ratio: utilization / target, utilization, average: Math.trunc(usage / entries) };
}

function averageRatio(metrics: PodMetricsInfo, target: number): { ratio: number; average: number; utilization?: number } {
  let usage = 0;
  for (const m of metrics.values()) usage += m.value;
  const average = Math.trunc(usage / metrics.size);
  return { ratio: average / target, average };
}

const withinTolerance = (ratio: number, tolerance: number) => Math.abs(1 - ratio) <= tolerance;

/** Throws with upstream's wording when no count can be computed; the caller makes that a condition. */
export function resourceReplicas(
  currentReplicas: number,
  target: ResourceTarget,
  pods: readonly Pod[],
  fetched: PodMetricsInfo,
  o: CalcOptions,
): ReplicaProposal {
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const metrics: PodMetricsInfo = new Map(fetched);
  const groups = groupPods(pods, metrics, target.resource, o);
  for (const name of [...groups.ignored, ...groups.unready]) metrics.delete(name);
  if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');

  const byUtilization = target.utilization !== undefined;
  const requests = byUtilization ? podRequests(pods, target.resource, target.container) : new Map<string, number>();
  const measure = (m: PodMetricsInfo) => (byUtilization ? utilizationRatio(m, requests, target.utilization!) : averageRatio(m, target.averageValueMilli!));
  const first = measure(metrics);
  const proposal = (replicas: number): ReplicaProposal => ({
    replicas,
    averageValueMilli: first.average,
    ...(first.utilization !== undefined ? { utilization: first.utilization } : {}),
  });

  const scaleUpWithUnready = groups.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (withinTolerance(first.ratio, o.tolerance)) return proposal(currentReplicas);
    return proposal(Math.ceil(first.ratio * groups.readyCount));
  }

  if (groups.missing.size > 0) {
    for (const name of groups.missing) {
      let assumed = 0; // scaling up: a pod without metrics is assumed idle
      if (first.ratio < 1) {
        // scaling down: assumed busy, at its whole request or the target when that is higher
        assumed = byUtilization ? Math.trunc((requests.get(name)! * Math.max(100, target.utilization!)) / 100) : target.averageValueMilli!;
      }
      if (first.ratio !== 1) metrics.set(name, { value: assumed, timestampMs: 0, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) for (const name of groups.unready) metrics.set(name, { value: 0, timestampMs: 0, windowMs: 0 });

  const second = measure(metrics);
  const flipped = (first.ratio < 1 && second.ratio > 1) || (first.ratio > 1 && second.ratio < 1);
  if (withinTolerance(second.ratio, o.tolerance) || flipped) return proposal(currentReplicas);
  const replicas = Math.ceil(second.ratio * metrics.size);
  // Counting more pods must not turn the direction round either.
  if ((second.ratio < 1 && replicas > currentReplicas) || (second.ratio > 1 && replicas < currentReplicas)) return proposal(currentReplicas);
  return proposal(replicas);
}
