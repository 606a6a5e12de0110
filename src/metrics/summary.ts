// The kubelet's Summary API (GET /stats/summary), the subset metrics-server reads: per node, pod and
// container the CPU rate and cumulative time, and memory. Shaped as upstream's stats/v1alpha1 so
// tools written for a kubelet can read it; the one addition is `usageWindowSeconds` (see CpuStats).
// Shared by the kubelet, which writes it, and the API server, which turns it into metrics.k8s.io.

export interface CpuStats {
  /** When the newest sample was taken (RFC 3339). */
  time: string;
  /** The average rate over the window ending at `time`; absent until two samples exist. */
  usageNanoCores?: number;
  /** Cumulative CPU time since the container (or the machine) started. */
  usageCoreNanoSeconds?: number;
  /** k3ts: the window `usageNanoCores` was averaged over, for metrics.k8s.io's `window`. Upstream's
   *  Summary has no such field (metrics-server assumed its scrape interval). */
  usageWindowSeconds?: number;
}

export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes?: number;
  /** What metrics-server and kubectl top report as memory: usage minus inactive file cache. */
  workingSetBytes?: number;
  rssBytes?: number;
}

export interface ContainerStats {
  name: string;
  startTime?: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface PodReference {
  name: string;
  namespace: string;
  uid: string;
}

export interface PodStats {
  podRef: PodReference;
  startTime?: string;
  containers: ContainerStats[];
  /** The sums of the containers'. */
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface NodeStats {
  nodeName: string;
  startTime?: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface Summary {
  node: NodeStats;
  pods: PodStats[];
}

export const SUMMARY_PATH = '/stats/summary';
