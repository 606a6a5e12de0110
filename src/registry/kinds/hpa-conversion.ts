// autoscaling/v1 <-> autoscaling/v2 HorizontalPodAutoscaler, as upstream converts them
// (pkg/apis/autoscaling/v1/conversion.go): v1 carries only a CPU utilization target; everything
// else v2 has rides in annotations on the v1 object, so a v1 read-modify-write keeps it.
import type { KObject } from '../types.js';
import { isObject } from '../validation/common.js';
import { DEFAULT_CPU_UTILIZATION } from './hpa.js';

type Json = Record<string, unknown>;

export const ANNOTATIONS = {
  metrics: 'autoscaling.alpha.kubernetes.io/metrics',
  currentMetrics: 'autoscaling.alpha.kubernetes.io/current-metrics',
  conditions: 'autoscaling.alpha.kubernetes.io/conditions',
  behavior: 'autoscaling.alpha.kubernetes.io/behavior',
} as const;

const obj = (v: unknown): Json => (isObject(v) ? v : {});
/** Drops undefined members so converted objects serialize like upstream's omitempty fields. */
function compact<T extends Json>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

// ---- metric specs and statuses: v2 {metric, target|current} <-> v1 flat fields ----

function specToV1(m: Json): Json {
  const type = m.type as string;
  const r = obj(m.resource ?? m.containerResource);
  const t = obj(obj(m[key(type)]).target);
  const metric = obj(obj(m[key(type)]).metric);
  switch (type) {
    case 'Resource':
    case 'ContainerResource':
      return { type, [key(type)]: compact({ name: r.name, container: r.container, targetAverageUtilization: t.averageUtilization, targetAverageValue: t.averageValue }) };
    case 'Pods':
      return { type, pods: compact({ metricName: metric.name, selector: metric.selector, targetAverageValue: t.averageValue }) };
    case 'Object':
      return { type, object: compact({ target: obj(m.object).describedObject, metricName: metric.name, selector: metric.selector, targetValue: t.value, averageValue: t.averageValue }) };
    case 'External':
      return { type, external: compact({ metricName: metric.name, metricSelector: metric.selector, targetValue: t.value, targetAverageValue: t.averageValue }) };
    default:
      return m;
  }
}

function specFromV1(m: Json): Json {
  const type = m.type as string;
  const s = obj(m[key(type)]);
  const valueTarget = (value: unknown, average: unknown) =>
    compact(value !== undefined ? { type: 'Value', value } : { type: 'AverageValue', averageValue: average });
  switch (type) {
    case 'Resource':
    case 'ContainerResource': {
      const target = s.targetAverageUtilization !== undefined
        ? { type: 'Utilization', averageUtilization: s.targetAverageUtilization }
        : { type: 'AverageValue', averageValue: s.targetAverageValue };
      return { type, [key(type)]: compact({ name: s.name, container: s.container, target }) };
    }
    case 'Pods':
      return { type, pods: { metric: compact({ name: s.metricName, selector: s.selector }), target: { type: 'AverageValue', averageValue: s.targetAverageValue } } };
    case 'Object':
      return { type, object: { describedObject: s.target, metric: compact({ name: s.metricName, selector: s.selector }), target: valueTarget(s.targetValue, s.averageValue) } };
    case 'External':
      return { type, external: { metric: compact({ name: s.metricName, selector: s.metricSelector }), target: valueTarget(s.targetValue, s.targetAverageValue) } };
    default:
      return m;
  }
}

function statusToV1(m: Json): Json {
  const type = m.type as string;
  const s = obj(m[key(type)]);
  const c = obj(s.current);
  const metric = obj(s.metric);
  switch (type) {
    case 'Resource':
    case 'ContainerResource':
      return { type, [key(type)]: compact({ name: s.name, container: s.container, currentAverageUtilization: c.averageUtilization, currentAverageValue: c.averageValue }) };
    case 'Pods':
      return { type, pods: compact({ metricName: metric.name, selector: metric.selector, currentAverageValue: c.averageValue }) };
    case 'Object':
      return { type, object: compact({ target: s.describedObject, metricName: metric.name, selector: metric.selector, currentValue: c.value, averageValue: c.averageValue }) };
    case 'External':
      return { type, external: compact({ metricName: metric.name, metricSelector: metric.selector, currentValue: c.value, currentAverageValue: c.averageValue }) };
    default:
      return m;
  }
}

function statusFromV1(m: Json): Json {
  const type = m.type as string;
  const s = obj(m[key(type)]);
  switch (type) {
    case 'Resource':
    case 'ContainerResource':
      return { type, [key(type)]: compact({ name: s.name, container: s.container, current: compact({ averageUtilization: s.currentAverageUtilization, averageValue: s.currentAverageValue }) }) };
    case 'Pods':
      return { type, pods: { metric: compact({ name: s.metricName, selector: s.selector }), current: compact({ averageValue: s.currentAverageValue }) } };
    case 'Object':
      return { type, object: { describedObject: s.target, metric: compact({ name: s.metricName, selector: s.selector }), current: compact({ value: s.currentValue, averageValue: s.averageValue }) } };
    case 'External':
      return { type, external: { metric: compact({ name: s.metricName, selector: s.metricSelector }), current: compact({ value: s.currentValue, averageValue: s.currentAverageValue }) } };
    default:
      return m;
  }
}

/** The member holding a metric source of this type: `Resource` -> `resource`. */
const key = (type: string) => (type ? type[0]!.toLowerCase() + type.slice(1) : '');

// Upstream marshals its internal Behavior type, which has no JSON tags: the annotation holds Go
// field names in struct order, with null for unset pointers. Written the same way here, so objects
// move between the two unchanged; read back into the v2 shape.
function rulesToGo(r: unknown): unknown {
  if (!isObject(r)) return null;
  const policies = Array.isArray(r.policies) ? (r.policies as Json[]).map((p) => ({ Type: p.type, Value: p.value, PeriodSeconds: p.periodSeconds })) : null;
  return { StabilizationWindowSeconds: r.stabilizationWindowSeconds ?? null, SelectPolicy: r.selectPolicy ?? null, Policies: policies, Tolerance: r.tolerance ?? null };
}

function rulesFromGo(r: unknown): Json | undefined {
  if (!isObject(r)) return undefined;
  const policies = Array.isArray(r.Policies) ? (r.Policies as Json[]).map((p) => ({ type: p.Type, value: p.Value, periodSeconds: p.PeriodSeconds })) : undefined;
  const nn = (v: unknown) => (v === null ? undefined : v);
  return compact({ stabilizationWindowSeconds: nn(r.StabilizationWindowSeconds), selectPolicy: nn(r.SelectPolicy), policies, tolerance: nn(r.Tolerance) });
}

const behaviorToGo = (b: Json) => ({ ScaleUp: rulesToGo(b.scaleUp), ScaleDown: rulesToGo(b.scaleDown) });
const behaviorFromGo = (b: Json) => compact({ scaleUp: rulesFromGo(b.ScaleUp), scaleDown: rulesFromGo(b.ScaleDown) });

const isCpuUtilization = (m: Json) => m.type === 'Resource' && obj(m.resource).name === 'cpu' && obj(obj(m.resource).target).averageUtilization !== undefined;

function parseAnnotation(annotations: Record<string, string>, name: string): unknown {
  const text = annotations[name];
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // a hand-edited annotation is dropped, not fatal (upstream fails the decode)
  }
}

/** A stored autoscaling/v2 object as autoscaling/v1 shows it. */
export function hpaToV1(v2: KObject): KObject {
  const spec = obj(v2.spec);
  const status = isObject(v2.status) ? v2.status : undefined;
  const metrics = (Array.isArray(spec.metrics) ? spec.metrics : []) as Json[];
  const annotations: Record<string, string> = { ...(v2.metadata.annotations ?? {}) };
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => !isCpuUtilization(m)).map(specToV1);
  if (others.length) annotations[ANNOTATIONS.metrics] = JSON.stringify(others);
  if (isObject(spec.behavior)) annotations[ANNOTATIONS.behavior] = JSON.stringify(behaviorToGo(spec.behavior));
  const currentMetrics = (Array.isArray(status?.currentMetrics) ? status!.currentMetrics : []) as Json[];
  // Saved even when it is only the CPU utilization: the annotation keeps the raw value too.
  if (currentMetrics.length) annotations[ANNOTATIONS.currentMetrics] = JSON.stringify(currentMetrics.map(statusToV1));
  const conditions = Array.isArray(status?.conditions) ? status!.conditions : [];
  if (conditions.length) annotations[ANNOTATIONS.conditions] = JSON.stringify(conditions);
  const cpuNow = currentMetrics.find((m) => m.type === 'Resource' && obj(m.resource).name === 'cpu');
  const out: KObject = {
    ...v2,
    apiVersion: 'autoscaling/v1',
    metadata: compact({ ...v2.metadata, annotations: Object.keys(annotations).length ? annotations : undefined }),
    spec: compact({
      scaleTargetRef: spec.scaleTargetRef,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      targetCPUUtilizationPercentage: cpu ? obj(obj(cpu.resource).target).averageUtilization : undefined,
    }),
  };
  if (status) {
    out.status = compact({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: cpuNow ? obj(obj(cpuNow.resource).current).averageUtilization : undefined,
    });
  }
  return out;
}

/** An autoscaling/v1 object in the stored autoscaling/v2 form; the round-trip annotations are consumed. */
export function hpaFromV1(v1: KObject): KObject {
  const spec = obj(v1.spec);
  const status = isObject(v1.status) ? v1.status : undefined;
  const annotations: Record<string, string> = { ...(v1.metadata.annotations ?? {}) };
  const otherMetrics = parseAnnotation(annotations, ANNOTATIONS.metrics);
  const behavior = parseAnnotation(annotations, ANNOTATIONS.behavior);
  const currentMetrics = parseAnnotation(annotations, ANNOTATIONS.currentMetrics);
  const conditions = parseAnnotation(annotations, ANNOTATIONS.conditions);
  for (const a of Object.values(ANNOTATIONS)) delete annotations[a];

  const metrics: Json[] = [];
  if (typeof spec.targetCPUUtilizationPercentage === 'number') {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  if (Array.isArray(otherMetrics)) metrics.push(...(otherMetrics as Json[]).map(specFromV1));
  // v1 once applied this default in the controller; upstream makes it explicit here.
  if (!metrics.length) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } });

  const out: KObject = {
    ...v1,
    apiVersion: 'autoscaling/v2',
    metadata: compact({ ...v1.metadata, annotations: Object.keys(annotations).length ? annotations : undefined }),
    spec: compact({
      scaleTargetRef: spec.scaleTargetRef,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      metrics,
      behavior: isObject(behavior) ? behaviorFromGo(behavior) : undefined,
    }),
  };
  if (status) {
    let current: Json[] | undefined;
    if (Array.isArray(currentMetrics)) current = (currentMetrics as Json[]).map(statusFromV1);
    else if (typeof status.currentCPUUtilizationPercentage === 'number') {
      current = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
    }
    out.status = compact({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas,
      desiredReplicas: status.desiredReplicas,
      currentMetrics: current,
      conditions: Array.isArray(conditions) ? conditions : undefined,
    });
  }
  return out;
}
