// The node's own usage when its containers are real: the machine's, from /proc, as upstream's
// kubelet reports the root cgroup. CPU is every CPU's non-idle time (user, nice, system, irq,
// softirq, steal; guest time is already inside user); memory's working set is what the root
// cgroup's would be, in use minus inactive file cache (MemTotal − MemFree − Inactive(file)).
// Nodes that share one machine (k3ts up) therefore each report the whole machine, as kind's do.
import { readFile } from 'node:fs/promises';
import type { NodeStatsSample } from '../../runtime/types.js';

/** USER_HZ: the unit of /proc/stat, 100 on every Linux architecture k3ts runs on. */
const TICKS_PER_SECOND = 100;

/** Cumulative non-idle CPU time from /proc/stat's first line (core-nanoseconds). */
export function parseProcStat(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no "cpu" line');
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1e9) / TICKS_PER_SECOND;
}

export function parseMeminfo(text: string): { workingSetBytes: number; availableBytes: number; usageBytes: number } {
  const kb = (key: string) => {
    const m = new RegExp(`^${key.replace(/[()]/g, '\\$&')}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!m) throw new Error(`/proc/meminfo has no ${key}`);
    return Number(m[1]) * 1024;
  };
  const total = kb('MemTotal');
  const usage = total - kb('MemFree');
  return { usageBytes: usage, workingSetBytes: Math.max(0, usage - kb('Inactive(file)')), availableBytes: kb('MemAvailable') };
}

export async function readHostUsage(procDir = '/proc'): Promise<NodeStatsSample> {
  const [stat, meminfo] = await Promise.all([readFile(`${procDir}/stat`, 'utf8'), readFile(`${procDir}/meminfo`, 'utf8')]);
  const timeMs = Date.now();
  const mem = parseMeminfo(meminfo);
  return { timeMs, cpuUsageCoreNanoSeconds: parseProcStat(stat), memoryWorkingSetBytes: mem.workingSetBytes, memoryAvailableBytes: mem.availableBytes, memoryUsageBytes: mem.usageBytes };
}
