// The kubelet's Prometheus metrics under upstream's names: how long pods take from first sight to
// Running, and how long each runtime call takes (and how often it fails). Served by the kubelet API's
// /metrics from the node registry.
import { Counter, Histogram } from 'prom-client';
import { nodeRegistry } from '../instrumentation/registries.js';
import type { ContainerRuntime } from '../runtime/types.js';

const registers = [nodeRegistry];

const podStart = new Histogram({
  name: 'kubelet_pod_start_duration_seconds',
  help: 'Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run',
  buckets: [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600],
  registers,
});

const runtimeOps = new Histogram({
  name: 'kubelet_runtime_operations_duration_seconds',
  help: 'Duration in seconds of runtime operations. Broken down by operation type.',
  labelNames: ['operation_type'],
  // 5 ms × 2.5^n, 14 buckets: up to about 5 minutes, for image pulls and slow stops.
  buckets: Array.from({ length: 14 }, (_, i) => 0.005 * 2.5 ** i),
  registers,
});
const runtimeErrors = new Counter({
  name: 'kubelet_runtime_operations_errors_total',
  help: 'Cumulative number of runtime operation errors by operation type.',
  labelNames: ['operation_type'],
  registers,
});

export function observePodStart(seconds: number): void {
  podStart.observe(seconds);
}

/** The runtime calls measured, by upstream's operation_type names. */
const operations: Record<string, string> = {
  version: 'version',
  status: 'status',
  runPodSandbox: 'run_podsandbox',
  stopPodSandbox: 'stop_podsandbox',
  removePodSandbox: 'remove_podsandbox',
  podSandboxStatus: 'podsandbox_status',
  listSandboxes: 'list_podsandbox',
  createContainer: 'create_container',
  startContainer: 'start_container',
  stopContainer: 'stop_container',
  removeContainer: 'remove_container',
  containerStatus: 'container_status',
  listContainers: 'list_containers',
  execSync: 'exec_sync',
  updatePodCidr: 'update_runtime_config',
};

/** The same runtime, each call of `operations` timed; everything else passes through untouched. */
export function measuredRuntime(runtime: ContainerRuntime): ContainerRuntime {
  const wrapped = new Map<string, unknown>();
  return new Proxy(runtime, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      const op = typeof prop === 'string' ? operations[prop] : undefined;
      if (!op || typeof value !== 'function') return value;
      let fn = wrapped.get(op);
      if (!fn) {
        const duration = runtimeOps.labels(op);
        const errors = runtimeErrors.labels(op);
        fn = async (...args: unknown[]) => {
          const end = duration.startTimer();
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } catch (err) {
            errors.inc();
            throw err;
          } finally {
            end();
          }
        };
        wrapped.set(op, fn);
      }
      return fn;
    },
  });
}
