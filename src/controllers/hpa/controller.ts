// The HorizontalPodAutoscaler controller: every sync period, per HPA, read the target's scale,
// measure its pods through the injected ResourceMetricsSource, compute the desired count as
// upstream does (replica-calculator.ts), normalize it (behavior.ts), write the scale, then the
// status, conditions and events. What it remembers between syncs (recent recommendations and
// scale events) only makes scaling more conservative; losing it on restart is harmless.
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerCondition, MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { createEventRecorder, type EventRecorder } from '../../client/events.js';
import { getIfExists, type Client } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { runController, type RunningController } from '../runtime/run-controller.js';
import {
  completeBehavior, newMemory, normalizeWithBehavior, normalizeWithoutBehavior, recordInitialRecommendation, recordScaleEvent, type HpaMemory,
} from './behavior.js';
import { setCondition, type ConditionType } from './conditions.js';
import { noResourceMetrics, type ResourceMetricsSource } from './metrics-source.js';
import { usageByPod } from './pod-metrics.js';
import { defaultCalcOptions, resourceReplicas, type CalcOptions } from './replica-calculator.js';
import { registryScaleClient, type Scale, type ScaleClient } from './scale-target.js';
import { formatMilli, milliValue } from './units.js';

export const hpaType = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' };
const podsType = { group: '', version: 'v1', resource: 'pods' };

export interface HpaControllerOptions {
  client: Client;
  /** Resource metrics (metrics.k8s.io's PodMetrics); without one every HPA reports FailedGetResourceMetric. */
  metrics?: ResourceMetricsSource;
  /** --horizontal-pod-autoscaler-sync-period, default 15 s. */
  syncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization, default 5 min. */
  downscaleStabilizationMs?: number;
  /** --horizontal-pod-autoscaler-tolerance, default 0.1. */
  tolerance?: number;
  /** Defaults to the registry's /scale view of the target; tests may pass another. */
  scales?: ScaleClient;
  /** The clock behind windows, conditions and lastScaleTime (tests move it by hand). */
  now?: () => number;
  onError?(key: string, err: unknown): void;
}

interface Settings {
  client: Client;
  metrics: ResourceMetricsSource;
  scales: ScaleClient;
  events: EventRecorder;
  syncPeriodMs: number;
  downscaleStabilizationMs: number;
  calc: Omit<CalcOptions, 'nowMs'>;
  now: () => number;
}

/** Per HPA: the behavior memory, and when the next periodic sync is due. */
interface Tracked extends HpaMemory {
  dueMs: number;
  generation?: number;
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** One metric's outcome: a proposal and its status, or why there is none. */
type MetricOutcome =
  | { ok: true; replicas: number; name: string; status: MetricStatus }
  | { ok: false; reason: string; error: string; wrapped: string };

async function resourceMetric(s: Settings, hpa: HorizontalPodAutoscaler, spec: MetricSpec, scale: Scale): Promise<MetricOutcome> {
  const src = spec.type === 'Resource' ? spec.resource! : spec.containerResource!;
  const container = spec.type === 'ContainerResource' ? spec.containerResource!.container : undefined;
  const resource = src.name;
  const namespace = hpa.metadata!.namespace!;
  const utilization = src.target.averageUtilization;
  const averageValueMilli = src.target.averageValue !== undefined ? milliValue(src.target.averageValue) : undefined;
  const reason = spec.type === 'Resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric';
  try {
    if (averageValueMilli === undefined && utilization === undefined) {
      throw new Error('invalid resource metric source: neither a utilization target nor a value target was set');
    }
    let usage;
    try {
      const items = await s.metrics.podMetrics(namespace, scale.selector);
      if (items.length === 0) throw new Error('no metrics returned from resource metrics API');
      usage = usageByPod(items, resource, container);
    } catch (err) {
      throw new Error(`unable to get metrics for resource ${resource}: ${(err as Error).message}`);
    }
    const pods = (await s.client.list(podsType, { namespace, labelSelector: scale.selector })).items as unknown as Pod[];
    const p = resourceReplicas(scale.specReplicas, { resource, container, utilization: averageValueMilli === undefined ? utilization : undefined, averageValueMilli }, pods, usage, {
      ...s.calc,
      nowMs: s.now(),
    });
    const kind = spec.type === 'Resource' ? 'resource' : 'container resource';
    const byUtilization = averageValueMilli === undefined;
    const current = byUtilization ? { averageUtilization: p.utilization, averageValue: formatMilli(p.averageValueMilli) } : { averageValue: formatMilli(p.averageValueMilli) };
    const status: MetricStatus = spec.type === 'Resource'
      ? { type: 'Resource', resource: { name: resource, current } }
      : { type: 'ContainerResource', containerResource: { name: resource, container: container!, current } };
    return { ok: true, replicas: p.replicas, name: byUtilization ? `${resource} ${kind} utilization (percentage of request)` : `${resource} ${kind}`, status };
  } catch (err) {
    const error = (err as Error).message;
    return { ok: false, reason, error, wrapped: `failed to get ${resource} utilization: ${error}` };
  }
}

async function metricOutcome(s: Settings, hpa: HorizontalPodAutoscaler, spec: MetricSpec, scale: Scale): Promise<MetricOutcome> {
  if (spec.type === 'Resource' || spec.type === 'ContainerResource') return resourceMetric(s, hpa, spec, scale);
  // Pods, Object and External metrics come from the custom and external metrics APIs, which k3ts
  // does not serve: said plainly on the HPA rather than silently ignored.
  const name = spec.pods?.metric.name ?? spec.object?.metric.name ?? spec.external?.metric.name ?? '';
  const reasons: Record<string, string> = { Pods: 'FailedGetPodsMetric', Object: 'FailedGetObjectMetric', External: 'FailedGetExternalMetric' };
  const reason = reasons[spec.type] ?? 'InvalidMetricSourceType';
  const error = reasons[spec.type] ? `unable to get metric ${name}: k3ts serves no ${spec.type === 'External' ? 'external' : 'custom'} metrics API` : `unknown metric source type "${spec.type}"`;
  return { ok: false, reason, error, wrapped: error };
}

async function reconcileHpa(s: Settings, memory: Map<string, Tracked>, key: string): Promise<{ requeueAfterMs: number } | void> {
  const [namespace, name] = key.split('/') as [string, string];
  const live = await getIfExists(s.client, hpaType, namespace, name);
  if (!live) {
    memory.delete(key);
    return;
  }
  let mem = memory.get(key);
  if (!mem) memory.set(key, (mem = { ...newMemory(), dueMs: 0 }));
  // Watch events (our own status writes among them) must not make the period shorter; a changed
  // spec is worth a look at once. The period runs on the queue's real timers, so it is gated by
  // the real clock; everything the HPA's behavior depends on uses the injected one.
  const wallMs = performance.now();
  if (wallMs < mem.dueMs && live.metadata.generation === mem.generation) return { requeueAfterMs: Math.ceil(mem.dueMs - wallMs) };
  mem.dueMs = wallMs + s.syncPeriodMs;
  const nowMs = s.now();
  mem.generation = live.metadata.generation;
  const requeue = { requeueAfterMs: s.syncPeriodMs };

  const hpa = structuredClone(live) as unknown as HorizontalPodAutoscaler;
  const spec = hpa.spec!;
  const before = JSON.stringify(hpa.status ?? {});
  const now = rfc3339(nowMs);
  let conditions: HorizontalPodAutoscalerCondition[] = hpa.status?.conditions ?? [];
  const condition = (type: ConditionType, status: 'True' | 'False', reason: string, message: string) => {
    conditions = setCondition(conditions, { type, status, reason, message }, now);
  };
  const obj = hpa as unknown as KObject;
  const writeStatus = async (status: HorizontalPodAutoscaler['status']) => {
    const next = { ...status!, conditions };
    if (JSON.stringify(next) === before) return;
    await s.client.update(hpaType, { ...obj, status: next }, { subresource: 'status' });
  };
  // Only the current count changes when the sync stops early; the last desired count and metrics stay.
  const keepStatus = (currentReplicas: number) => ({ ...(hpa.status ?? { desiredReplicas: 0 }), currentReplicas });

  const ref = spec.scaleTargetRef;
  let scale: Scale;
  try {
    scale = await s.scales.get(namespace, ref);
  } catch (err) {
    const message = (err as Error).message;
    s.events.warning(obj, 'FailedGetScale', message);
    condition('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${message}`);
    await writeStatus(hpa.status ?? { desiredReplicas: 0 });
    return requeue;
  }
  condition('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
  const currentReplicas = scale.specReplicas;
  recordInitialRecommendation(mem, currentReplicas, nowMs);
  const minReplicas = spec.minReplicas ?? 1;

  let desiredReplicas = 0;
  let rescaleReason = '';
  let rescale = true;
  let metricStatuses: MetricStatus[] | undefined;
  if (currentReplicas === 0 && minReplicas !== 0) {
    // Scaled to zero by hand: the HPA steps aside until someone scales it up again.
    rescale = false;
    condition('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
  } else if (currentReplicas > spec.maxReplicas) {
    rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
    desiredReplicas = spec.maxReplicas;
  } else if (currentReplicas < minReplicas) {
    rescaleReason = 'Current number of replicas below Spec.MinReplicas';
    desiredReplicas = minReplicas;
  } else {
    if (!scale.selector) {
      s.events.warning(obj, 'SelectorRequired', 'selector is required');
      condition('ScalingActive', 'False', 'InvalidSelector', "the HPA target's scale is missing a selector");
      await writeStatus(keepStatus(currentReplicas));
      return requeue;
    }
    const metrics = spec.metrics ?? [];
    const outcomes: MetricOutcome[] = [];
    for (const m of metrics) outcomes.push(await metricOutcome(s, hpa, m, scale));
    let proposal = 0;
    let metricName = '';
    for (const o of outcomes) {
      if (o.ok && (proposal === 0 || o.replicas > proposal)) [proposal, metricName] = [o.replicas, o.name];
      if (!o.ok) s.events.warning(obj, o.reason, o.error);
    }
    const failed = outcomes.filter((o): o is Extract<MetricOutcome, { ok: false }> => !o.ok);
    // Never scale down on partial data: with any metric missing, only a scale-up goes ahead.
    if (failed.length > 0 && (failed.length >= metrics.length || proposal < scale.specReplicas)) {
      const first = failed[0]!;
      condition('ScalingActive', 'False', first.reason, `the HPA was unable to compute the replica count: ${first.error}`);
      s.events.warning(obj, 'FailedComputeMetricsReplicas', `invalid metrics (${failed.length} invalid out of ${metrics.length}), first error is: ${first.wrapped}`);
      await writeStatus(keepStatus(currentReplicas));
      return requeue;
    }
    condition('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metricName}`);
    // Failed metrics keep their place (an empty status) so each status lines up with its spec.
    metricStatuses = outcomes.map((o) => (o.ok ? o.status : ({ type: '' } as unknown as MetricStatus)));
    desiredReplicas = proposal;
    if (desiredReplicas > currentReplicas) rescaleReason = `${metricName} above target`;
    if (desiredReplicas < currentReplicas) rescaleReason = 'All metrics below target';
    const args = { currentReplicas, desiredReplicas, minReplicas, maxReplicas: spec.maxReplicas, nowMs };
    const normalized = spec.behavior
      ? normalizeWithBehavior(mem, args, completeBehavior(spec.behavior, s.downscaleStabilizationMs))
      : normalizeWithoutBehavior(mem, { ...args, downscaleStabilizationMs: s.downscaleStabilizationMs });
    condition('AbleToScale', 'True', normalized.ableToScale.reason, normalized.ableToScale.message);
    condition('ScalingLimited', normalized.scalingLimited.status, normalized.scalingLimited.reason, normalized.scalingLimited.message);
    desiredReplicas = normalized.replicas;
    rescale = desiredReplicas !== currentReplicas;
  }

  let lastScaleTime = hpa.status?.lastScaleTime;
  if (rescale) {
    try {
      await s.scales.update(namespace, ref, desiredReplicas);
    } catch (err) {
      const message = (err as Error).message;
      s.events.warning(obj, 'FailedRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}; error: ${message}`);
      condition('AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${message}`);
      await writeStatus(keepStatus(currentReplicas));
      throw err;
    }
    condition('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desiredReplicas}`);
    s.events.normal(obj, 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}`);
    if (spec.behavior) recordScaleEvent(mem, completeBehavior(spec.behavior, s.downscaleStabilizationMs), currentReplicas, desiredReplicas, nowMs);
    lastScaleTime = now;
  } else {
    desiredReplicas = currentReplicas;
  }
  await writeStatus({
    ...(lastScaleTime ? { lastScaleTime } : {}),
    currentReplicas,
    desiredReplicas,
    ...(metricStatuses?.length ? { currentMetrics: metricStatuses } : {}),
  });
  return requeue;
}

export async function runHpaController(o: HpaControllerOptions, signal: AbortSignal): Promise<RunningController> {
  const now = o.now ?? Date.now;
  const calc = defaultCalcOptions(0);
  const settings: Settings = {
    client: o.client,
    metrics: o.metrics ?? noResourceMetrics,
    scales: o.scales ?? registryScaleClient(o.client),
    events: createEventRecorder(o.client, { component: 'horizontal-pod-autoscaler' }),
    syncPeriodMs: o.syncPeriodMs ?? 15_000,
    downscaleStabilizationMs: o.downscaleStabilizationMs ?? 300_000,
    calc: { tolerance: o.tolerance ?? calc.tolerance, cpuInitializationPeriodMs: calc.cpuInitializationPeriodMs, delayOfInitialReadinessStatusMs: calc.delayOfInitialReadinessStatusMs },
    now,
  };
  const memory = new Map<string, Tracked>();
  return runController({ name: 'horizontal-pod-autoscaler', client: o.client, for: hpaType, reconcile: (key) => reconcileHpa(settings, memory, key), onError: o.onError }, signal);
}
