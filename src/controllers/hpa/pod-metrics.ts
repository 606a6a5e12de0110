// PodMetrics -> one usage value per pod for one resource, as upstream's resource metrics client
// does: a pod missing the resource in any counted container is left out (it is "missing" to the
// replica calculation, not zero).
import type { PodMetrics } from './metrics-source.js';
import { milliValue, parseGoDurationMs } from './units.js';

export interface PodMetric {
  /** Milli-units of the resource (millicores for cpu, milli-bytes for memory). */
  value: number;
  timestampMs: number;
  windowMs: number;
}

export type PodMetricsInfo = Map<string, PodMetric>;

export function usageByPod(items: readonly PodMetrics[], resource: string, container?: string): PodMetricsInfo {
  const out: PodMetricsInfo = new Map();
  for (const item of items) {
    const counted = container ? item.containers.filter((c) => c.name === container) : item.containers;
    if (counted.length === 0) continue;
    let sum = 0;
    let missing = false;
    for (const c of counted) {
      const v = milliValue((c.usage as Record<string, string | undefined>)[resource]);
      if (v === undefined) {
        missing = true;
        break;
      }
      sum += v;
    }
    if (!missing) out.set(item.pod, { value: sum, timestampMs: Date.parse(item.timestamp), windowMs: parseGoDurationMs(item.window) });
  }
  return out;
}
