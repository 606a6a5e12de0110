// Where the HPA controller gets resource usage: the shape of metrics.k8s.io/v1beta1 PodMetrics,
// behind an interface so the controller never depends on how metrics are collected. The server
// passes an implementation (the resource metrics API); tests pass a fake.

export interface ContainerUsage {
  name: string;
  /** Quantities as the metrics API writes them, e.g. cpu "250m", memory "64Mi". */
  usage: { cpu?: string; memory?: string };
}

export interface PodMetrics {
  pod: string;
  /** RFC 3339: when the usage was sampled (the end of the window). */
  timestamp: string;
  /** A Go duration, e.g. "30s": the span the usage was averaged over. */
  window: string;
  containers: ContainerUsage[];
}

export interface ResourceMetricsSource {
  /** Metrics of the pods in `namespace` matching the label `selector` (e.g. "app=web"). Throw
   *  when metrics cannot be had at all; the controller then holds the target where it is. */
  podMetrics(namespace: string, selector: string): Promise<PodMetrics[]>;
}

/** What runs when the server has no metrics API: every sync reports it, as upstream does without
 *  metrics-server, and nothing is scaled on missing data. */
export const noResourceMetrics: ResourceMetricsSource = {
  podMetrics: async () => {
    throw new Error('unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)');
  },
};
