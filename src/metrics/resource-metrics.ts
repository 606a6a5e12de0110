// From a kubelet's Summary to metrics.k8s.io/v1beta1 objects, as metrics-server makes them:
// CPU is the rate (nanocores), memory the working set; a pod is listed only when every one of its
// containers has both, so `kubectl top` never shows a half-measured pod.
import { formatCpu, formatMemory, formatWindow } from './quantity.js';
import type { CpuStats, MemoryStats, NodeStats, PodStats } from './summary.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const METRICS_API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

export interface ResourceUsage {
  cpu: string;
  memory: string;
}

export interface ObjectMetaLike {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  creationTimestamp?: string;
}

export interface NodeMetrics {
  kind: 'NodeMetrics';
  apiVersion: string;
  metadata: { name: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  usage: ResourceUsage;
}

export interface PodMetrics {
  kind: 'PodMetrics';
  apiVersion: string;
  metadata: { name: string; namespace: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  containers: Array<{ name: string; usage: ResourceUsage }>;
}

interface Measured {
  usage: ResourceUsage;
  timeMs: number;
  windowMs: number;
}

function measure(cpu: CpuStats | undefined, memory: MemoryStats | undefined): Measured | undefined {
  if (cpu?.usageNanoCores === undefined || memory?.workingSetBytes === undefined) return undefined;
  return {
    usage: { cpu: formatCpu(cpu.usageNanoCores), memory: formatMemory(memory.workingSetBytes) },
    timeMs: Date.parse(cpu.time),
    windowMs: (cpu.usageWindowSeconds ?? 0) * 1000,
  };
}

/** RFC 3339 to the second, as metav1.Time marshals. */
const seconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** Metrics objects are made on request, so their creationTimestamp is now (as metrics-server's). */
const labelsOf = (meta: ObjectMetaLike) => (meta.labels && Object.keys(meta.labels).length ? { labels: { ...meta.labels } } : {});

/** undefined when the node has no CPU rate or working set yet. */
export function nodeMetricsOf(stats: NodeStats, node: ObjectMetaLike, now: Date): NodeMetrics | undefined {
  const m = measure(stats.cpu, stats.memory);
  if (!m) return undefined;
  return {
    kind: 'NodeMetrics',
    apiVersion: METRICS_API_VERSION,
    metadata: { name: node.name ?? stats.nodeName, creationTimestamp: seconds(now.getTime()), ...labelsOf(node) },
    timestamp: seconds(m.timeMs),
    window: formatWindow(m.windowMs),
    usage: m.usage,
  };
}

/** undefined unless every container has a CPU rate and a working set. The pod's timestamp and
 *  window are its containers' widest, as the usage of each was measured over its own. */
export function podMetricsOf(stats: PodStats, pod: ObjectMetaLike, now: Date): PodMetrics | undefined {
  if (stats.containers.length === 0) return undefined;
  const containers: PodMetrics['containers'] = [];
  let timeMs = 0;
  let windowMs = 0;
  for (const c of stats.containers) {
    const m = measure(c.cpu, c.memory);
    if (!m) return undefined;
    containers.push({ name: c.name, usage: m.usage });
    timeMs = Math.max(timeMs, m.timeMs);
    windowMs = Math.max(windowMs, m.windowMs);
  }
  return {
    kind: 'PodMetrics',
    apiVersion: METRICS_API_VERSION,
    metadata: { name: pod.name ?? stats.podRef.name, namespace: pod.namespace ?? stats.podRef.namespace, creationTimestamp: seconds(now.getTime()), ...labelsOf(pod) },
    timestamp: seconds(timeMs),
    window: formatWindow(windowMs),
    containers,
  };
}
