// Percentiles the way apibench computes them (nearest rank), so our figures and its figures compare.

export interface LatencyStats {
  n: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((q / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

export function latencyStats(ms: readonly number[]): LatencyStats {
  const sum = ms.reduce((a, b) => a + b, 0);
  return {
    n: ms.length,
    p50Ms: round2(percentile(ms, 50)),
    p99Ms: round2(percentile(ms, 99)),
    maxMs: round2(percentile(ms, 100)),
    meanMs: round2(sum / (ms.length || 1)),
  };
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}
