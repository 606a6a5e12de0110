// Container stats over CRI: one ListContainerStats call for every container. Only the cumulative
// counters are used (see metrics/rate.ts for why usageNanoCores is not). Containers without a
// running task come back without counters and are left out.
import type { ContainerStatsSample, StatsService } from '../types.js';
import type { CriClient } from './cri/client.js';

interface U64 {
  value: number;
}

interface CriStats {
  attributes?: { id: string };
  cpu?: { timestamp: number; usageCoreNanoSeconds?: U64 | null } | null;
  memory?: { timestamp: number; workingSetBytes?: U64 | null; usageBytes?: U64 | null; rssBytes?: U64 | null } | null;
}

/** A CRI stats entry as a sample, or undefined when it has no counters. */
export function sampleOfCriStats(s: CriStats): ContainerStatsSample | undefined {
  const id = s.attributes?.id;
  const cpu = s.cpu?.usageCoreNanoSeconds;
  const ws = s.memory?.workingSetBytes;
  if (!id || !cpu || !ws || !s.cpu?.timestamp) return undefined;
  return {
    containerId: id,
    // CRI's timestamps are nanoseconds since the epoch.
    timeMs: Number(s.cpu.timestamp) / 1e6,
    cpuUsageCoreNanoSeconds: Number(cpu.value),
    memoryWorkingSetBytes: Number(ws.value),
    ...(s.memory?.usageBytes ? { memoryUsageBytes: Number(s.memory.usageBytes.value) } : {}),
    ...(s.memory?.rssBytes ? { memoryRssBytes: Number(s.memory.rssBytes.value) } : {}),
  };
}

export function criStatsService(cri: CriClient): StatsService {
  return {
    async listContainerStats() {
      const { stats } = await cri.runtime.ListContainerStats!({ filter: {} }, { deadlineMs: 10_000 });
      return (stats as CriStats[]).map(sampleOfCriStats).filter((s): s is ContainerStatsSample => s !== undefined);
    },
  };
}
