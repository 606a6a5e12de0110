// Scheduler throughput, in process: a fresh control plane with `nodes` Nodes and `pods` unscheduled
// Pods (100m / 128Mi each, in ReplicaSet-sized groups of 100), then the scheduler is started and the
// clock runs until every pod is bound. Latencies are from the scheduler's start to each pod's
// binding showing on a watch, so p50 is roughly when half the backlog was through.
//
//   node --import tsx bench/scheduler.ts [--nodes 100] [--pods 3000]
import { pathToFileURL } from 'node:url';
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import { startTestControlPlane } from '../test/support/control-plane.js';
import { runScheduler } from '../src/scheduler/scheduler.js';
import type { KObject } from '../src/registry/types.js';

export interface SchedulerBenchResult {
  nodes: number;
  pods: number;
  /** Pods bound per second, from the scheduler's start to the last binding. */
  podsPerSecond: number;
  totalMs: number;
  p50Ms: number;
  p99Ms: number;
  /** The most pods of one ReplicaSet on one node minus the fewest: 0 or 1 when spread evenly. */
  worstSpreadSkew: number;
  minPodsPerNode: number;
  maxPodsPerNode: number;
}

const podsType = { group: '', version: 'v1', resource: 'pods' };
const nodesType = { group: '', version: 'v1', resource: 'nodes' };
const groupSize = 100;
const createConcurrency = 50;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function inBatches(n: number, each: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n; i += createConcurrency) {
    await Promise.all(Array.from({ length: Math.min(createConcurrency, n - i) }, (_, k) => each(i + k)));
  }
}

function benchNode(i: number): KObject {
  const allocatable = { cpu: '32', memory: '128Gi', pods: '110', 'ephemeral-storage': '200Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}` } },
    status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] },
  };
}

function benchPod(i: number): KObject {
  const group = Math.floor(i / groupSize);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `pod-${i}`,
      namespace: 'default',
      labels: { app: `app-${group}` },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `app-${group}`, uid: `rs-uid-${group}`, controller: true }],
    },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  };
}

export async function benchScheduler(opts: { nodes: number; pods: number; bindConcurrency?: number }): Promise<SchedulerBenchResult> {
  const cp = await startTestControlPlane();
  const stop = new AbortController();
  try {
    await inBatches(opts.nodes, (i) => cp.client.create(nodesType, benchNode(i)));
    await inBatches(opts.pods, (i) => cp.client.create(podsType, benchPod(i)));

    const boundAt = new Map<string, number>();
    const placement = new Map<string, string>();
    let allBound!: () => void;
    const done = new Promise<void>((resolve) => (allBound = resolve));
    const { resourceVersion } = await cp.client.list(podsType, { limit: 1 });
    await cp.client.watch(
      podsType,
      { resourceVersion },
      {
        onEvent: (ev) => {
          const name = ev.object.metadata.name!;
          const node = (ev.object.spec as PodSpec | undefined)?.nodeName;
          if (!node || boundAt.has(name)) return;
          boundAt.set(name, performance.now());
          placement.set(name, node);
          if (boundAt.size === opts.pods) allBound();
        },
      },
      stop.signal,
    );

    const t0 = performance.now();
    const scheduler = await runScheduler({ client: cp.client, bindConcurrency: opts.bindConcurrency, onError: (err) => console.error('scheduler:', err) }, stop.signal);
    await done;
    const totalMs = performance.now() - t0;
    stop.abort();
    await scheduler.stopped;

    const latencies = [...boundAt.values()].map((t) => t - t0).sort((a, b) => a - b);
    const perNode = new Map<string, number>();
    const perGroupNode = new Map<string, number>();
    for (const [pod, node] of placement) {
      perNode.set(node, (perNode.get(node) ?? 0) + 1);
      const key = `${Math.floor(Number(pod.slice(4)) / groupSize)} ${node}`;
      perGroupNode.set(key, (perGroupNode.get(key) ?? 0) + 1);
    }
    let worstSpreadSkew = 0;
    for (let g = 0; g * groupSize < opts.pods; g++) {
      const counts = Array.from({ length: opts.nodes }, (_, i) => perGroupNode.get(`${g} node-${i}`) ?? 0);
      worstSpreadSkew = Math.max(worstSpreadSkew, Math.max(...counts) - Math.min(...counts));
    }
    const loads = Array.from({ length: opts.nodes }, (_, i) => perNode.get(`node-${i}`) ?? 0);
    return {
      nodes: opts.nodes,
      pods: opts.pods,
      podsPerSecond: Math.round((opts.pods / totalMs) * 1000),
      totalMs: Math.round(totalMs),
      p50Ms: Math.round(percentile(latencies, 50)),
      p99Ms: Math.round(percentile(latencies, 99)),
      worstSpreadSkew,
      minPodsPerNode: Math.min(...loads),
      maxPodsPerNode: Math.max(...loads),
    };
  } finally {
    stop.abort();
    await cp.close();
  }
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchScheduler({ nodes: flag('nodes', 100), pods: flag('pods', 3000), ...(process.argv.includes('--bind-concurrency') ? { bindConcurrency: flag('bind-concurrency', 256) } : {}) });
  console.log(`${result.pods} pods on ${result.nodes} nodes: ${result.podsPerSecond} pods/s (all bound in ${result.totalMs} ms; p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms after start)`);
  console.log(JSON.stringify(result));
}
