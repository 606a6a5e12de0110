// Synthetic but plausible resource usage for simulated containers, so `kubectl top` and whatever
// builds on metrics.k8s.io (HPA) run the same path on a simulated cluster as on a real one.
// Deterministic: a container's usage follows from its id and its cgroup settings alone.
// CPU: a level around half its limit, else around its request, else a few millicores, wobbling
// ±25 % along a slow sine; the cumulative counter is that sine's integral, so rates taken over any
// window are consistent with each other. Memory: a share of its limit, else 8-40 MiB.
import { createHash } from 'node:crypto';
import type { ContainerResources } from '../types.js';

export interface UsageProfile {
  /** The level the CPU rate wobbles around (nanocores). */
  baseNanoCores: number;
  /** Relative wobble of the rate, 0..1. */
  amplitude: number;
  periodSeconds: number;
  /** Radians. */
  phase: number;
  baseWorkingSetBytes: number;
}

const PAGE = 4096;
const MiB = 1 << 20;

/** Fractions in [0, 1) drawn from the id: the same container always gets the same profile. */
function fractions(id: string, n: number): number[] {
  const h = createHash('sha256').update(id).digest();
  return Array.from({ length: n }, (_, i) => h.readUInt32BE(i * 4) / 2 ** 32);
}

export function usageProfile(id: string, resources: ContainerResources | undefined): UsageProfile {
  const [f0, f1, f2, f3] = fractions(id, 4) as [number, number, number, number];
  const limitCores = resources?.cpuQuota && resources.cpuPeriod && resources.cpuQuota > 0 ? resources.cpuQuota / resources.cpuPeriod : undefined;
  // cpu.shares of 2 is "no request" (the kubelet's minimum).
  const requestCores = resources?.cpuShares && resources.cpuShares > 2 ? resources.cpuShares / 1024 : undefined;
  const level = limitCores !== undefined ? 0.5 * limitCores : requestCores !== undefined ? 0.6 * requestCores : 0.002 + 0.008 * f0;
  const memLimit = resources?.memoryLimitBytes && resources.memoryLimitBytes > 0 ? resources.memoryLimitBytes : undefined;
  const mem = memLimit !== undefined ? memLimit * (0.3 + 0.3 * f3) : (8 + 32 * f3) * MiB;
  return {
    baseNanoCores: level * (0.8 + 0.4 * f1) * 1e9,
    amplitude: 0.25,
    periodSeconds: 60 + 120 * f2,
    phase: 2 * Math.PI * f0,
    baseWorkingSetBytes: Math.max(PAGE, Math.floor(mem / PAGE) * PAGE),
  };
}

/** The CPU rate `elapsedMs` after start (nanocores). */
export function cpuRateAt(p: UsageProfile, elapsedMs: number): number {
  const w = (2 * Math.PI) / p.periodSeconds;
  return p.baseNanoCores * (1 + p.amplitude * Math.sin(w * (elapsedMs / 1000) + p.phase));
}

/** Cumulative CPU time after `elapsedMs` (core-nanoseconds): the integral of cpuRateAt from 0. */
export function cumulativeCpuAt(p: UsageProfile, elapsedMs: number): number {
  const t = Math.max(0, elapsedMs) / 1000;
  const w = (2 * Math.PI) / p.periodSeconds;
  return p.baseNanoCores * (t - (p.amplitude / w) * (Math.cos(w * t + p.phase) - Math.cos(p.phase)));
}

/** The working set, wobbling ±5 % on the same period, in whole pages. */
export function workingSetAt(p: UsageProfile, elapsedMs: number): number {
  const w = (2 * Math.PI) / p.periodSeconds;
  const bytes = p.baseWorkingSetBytes * (1 + 0.05 * Math.sin(w * (elapsedMs / 1000) + p.phase + 1));
  return Math.max(PAGE, Math.floor(bytes / PAGE) * PAGE);
}

/** What the simulated node itself uses besides its containers (system daemons, the agent). */
export const NODE_OVERHEAD = { nanoCores: 50e6, workingSetBytes: 256 * MiB, memoryBytes: 8 * 1024 * MiB };
