import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeMetricsOf, podMetricsOf } from './resource-metrics.js';
import type { PodStats } from './summary.js';

const now = new Date('2026-12-01T10:00:05.250Z');
const cpu = (nanoCores?: number, window = 10.5) => ({ time: '2026-12-01T10:00:04.900Z', usageCoreNanoSeconds: 123, ...(nanoCores !== undefined ? { usageNanoCores: nanoCores, usageWindowSeconds: window } : {}) });
const memory = (bytes: number) => ({ time: '2026-12-01T10:00:04.900Z', workingSetBytes: bytes });

test('a node summary becomes NodeMetrics: the rate, the working set, the window, the node\'s labels', () => {
  const m = nodeMetricsOf({ nodeName: 'n1', cpu: cpu(250_000_000), memory: memory(1536 << 20) }, { name: 'n1', labels: { zone: 'a' } }, now);
  assert.deepEqual(m, {
    kind: 'NodeMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: 'n1', creationTimestamp: '2026-12-01T10:00:05Z', labels: { zone: 'a' } },
    timestamp: '2026-12-01T10:00:04Z',
    window: '10.5s',
    usage: { cpu: '250m', memory: '1536Mi' },
  });
  assert.equal(nodeMetricsOf({ nodeName: 'n1', cpu: cpu(), memory: memory(1) }, { name: 'n1' }, now), undefined, 'no rate yet');
});

test('a pod summary becomes PodMetrics with one entry per container, only when every container is measured', () => {
  const stats: PodStats = {
    podRef: { name: 'web', namespace: 'prod', uid: 'u1' },
    containers: [
      { name: 'app', cpu: cpu(1_562_127, 10), memory: memory(10_485_760) },
      { name: 'sidecar', cpu: cpu(0, 12), memory: memory(4096) },
    ],
  };
  const m = podMetricsOf(stats, { name: 'web', namespace: 'prod', labels: { app: 'web' } }, now)!;
  assert.deepEqual(m.containers, [
    { name: 'app', usage: { cpu: '1562127n', memory: '10Mi' } },
    { name: 'sidecar', usage: { cpu: '0', memory: '4Ki' } },
  ]);
  assert.equal(m.window, '12s');
  assert.deepEqual(m.metadata, { name: 'web', namespace: 'prod', creationTimestamp: '2026-12-01T10:00:05Z', labels: { app: 'web' } });
  stats.containers[1]!.cpu = cpu();
  assert.equal(podMetricsOf(stats, { name: 'web', namespace: 'prod' }, now), undefined);
  assert.equal(podMetricsOf({ ...stats, containers: [] }, { name: 'web', namespace: 'prod' }, now), undefined);
});
