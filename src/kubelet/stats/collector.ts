// The kubelet's resource usage: it reads the runtime's counters for every container (and the node's)
// every few seconds and on demand, keeps a short history of each, and answers the Summary API
// from it. CPU is a rate over the kubelet's own window (metrics/rate.ts); memory is the latest
// working set. Counters of containers that are gone are forgotten at the next reading.
import { CpuHistory } from '../../metrics/rate.js';
import type { ContainerStats, CpuStats, MemoryStats, PodStats, Summary } from '../../metrics/summary.js';
import type { ContainerStatsSample, NodeStatsSample, StatsService } from '../../runtime/types.js';

/** A pod the kubelet runs, with the runtime ids of its containers that should be running. */
export interface StatsTarget {
  namespace: string;
  name: string;
  uid: string;
  startTime?: string;
  containers: Array<{ name: string; id: string; startTime?: string }>;
}

export interface StatsCollectorOptions {
  nodeName: string;
  stats: StatsService;
  /** The node's counters: the runtime's own when it simulates the node, else the host's. */
  nodeUsage: () => Promise<NodeStatsSample>;
  targets: () => StatsTarget[];
  /** The shortest window a CPU rate is given for (5 s). */
  minWindowMs?: number;
  /** A summary asked within this long of the last reading uses it instead of reading again (1 s). */
  freshMs?: number;
  now?: () => number;
}

interface Tracked {
  cpu: CpuHistory;
  last: ContainerStatsSample | NodeStatsSample;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class StatsCollector {
  private readonly containers = new Map<string, Tracked>();
  private node?: Tracked;
  private lastReadMs = -Infinity;
  private reading?: Promise<void>;
  private readonly startedAt: string;
  private readonly now: () => number;

  constructor(private readonly o: StatsCollectorOptions) {
    this.now = o.now ?? Date.now;
    this.startedAt = iso(this.now());
  }

  private history(): CpuHistory {
    // Four readings cover the window at the default 10 s interval; readings asked for more often
    // stay bounded by freshMs (at most minWindow / freshMs extra are kept).
    return new CpuHistory({ minWindowMs: this.o.minWindowMs ?? 5000, keep: 4 });
  }

  /** Reads every counter once; concurrent callers share one reading. */
  sample(): Promise<void> {
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<void> {
    const [samples, node] = await Promise.all([this.o.stats.listContainerStats(), this.o.nodeUsage()]);
    this.lastReadMs = this.now();
    const seen = new Set<string>();
    for (const s of samples) {
      seen.add(s.containerId);
      let t = this.containers.get(s.containerId);
      if (!t) this.containers.set(s.containerId, (t = { cpu: this.history(), last: s }));
      t.cpu.add({ timeMs: s.timeMs, usageCoreNanoSeconds: s.cpuUsageCoreNanoSeconds });
      t.last = s;
    }
    for (const id of this.containers.keys()) if (!seen.has(id)) this.containers.delete(id);
    this.node ??= { cpu: this.history(), last: node };
    this.node.cpu.add({ timeMs: node.timeMs, usageCoreNanoSeconds: node.cpuUsageCoreNanoSeconds });
    this.node.last = node;
  }

  /** The Summary API's answer, read fresh unless the last reading is recent. */
  async summary(): Promise<Summary> {
    if (this.now() - this.lastReadMs >= (this.o.freshMs ?? 1000)) await this.sample();
    const pods: PodStats[] = [];
    for (const target of this.o.targets()) {
      const containers: ContainerStats[] = [];
      for (const c of target.containers) {
        const t = this.containers.get(c.id);
        if (t) containers.push({ name: c.name, ...(c.startTime ? { startTime: c.startTime } : {}), cpu: cpuStats(t), memory: memoryStats(t.last) });
      }
      if (containers.length === 0) continue;
      pods.push({
        podRef: { name: target.name, namespace: target.namespace, uid: target.uid },
        ...(target.startTime ? { startTime: target.startTime } : {}),
        containers,
        ...podTotals(containers),
      });
    }
    const node = this.node;
    return {
      node: { nodeName: this.o.nodeName, startTime: this.startedAt, ...(node ? { cpu: cpuStats(node), memory: memoryStats(node.last) } : {}) },
      pods,
    };
  }
}

function cpuStats(t: Tracked): CpuStats {
  const rate = t.cpu.rate();
  const latest = t.cpu.latest()!;
  return {
    time: iso(latest.timeMs),
    usageCoreNanoSeconds: Math.round(latest.usageCoreNanoSeconds),
    ...(rate ? { usageNanoCores: rate.nanoCores, usageWindowSeconds: rate.windowMs / 1000 } : {}),
  };
}

function memoryStats(s: ContainerStatsSample | NodeStatsSample): MemoryStats {
  const usage = 'memoryUsageBytes' in s ? s.memoryUsageBytes : undefined;
  return {
    time: iso(s.timeMs),
    workingSetBytes: s.memoryWorkingSetBytes,
    ...(usage !== undefined ? { usageBytes: usage } : {}),
    ...('memoryRssBytes' in s && s.memoryRssBytes !== undefined ? { rssBytes: s.memoryRssBytes } : {}),
    ...('memoryAvailableBytes' in s && s.memoryAvailableBytes !== undefined ? { availableBytes: s.memoryAvailableBytes } : {}),
  };
}

/** A pod's CPU and memory are its containers' sums; the rate only when every container has one. */
function podTotals(containers: ContainerStats[]): Pick<PodStats, 'cpu' | 'memory'> {
  let time = '';
  let cumulative = 0;
  let nanoCores: number | undefined = 0;
  let window = 0;
  let workingSet = 0;
  for (const c of containers) {
    if (c.cpu!.time > time) time = c.cpu!.time;
    cumulative += c.cpu!.usageCoreNanoSeconds ?? 0;
    nanoCores = nanoCores !== undefined && c.cpu!.usageNanoCores !== undefined ? nanoCores + c.cpu!.usageNanoCores : undefined;
    window = Math.max(window, c.cpu!.usageWindowSeconds ?? 0);
    workingSet += c.memory!.workingSetBytes ?? 0;
  }
  return {
    cpu: { time, usageCoreNanoSeconds: cumulative, ...(nanoCores !== undefined ? { usageNanoCores: nanoCores, usageWindowSeconds: window } : {}) },
    memory: { time, workingSetBytes: workingSet },
  };
}
