import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatsSample, NodeStatsSample } from '../../runtime/types.js';
import { StatsCollector, type StatsTarget } from './collector.js';

/** A runtime whose containers burn a fixed rate, on a clock the test moves. */
function fakeRuntime(rates: Record<string, number>) {
  const clock = { ms: 1_000_000 };
  let reads = 0;
  const container = (id: string): ContainerStatsSample => ({ containerId: id, timeMs: clock.ms, cpuUsageCoreNanoSeconds: (rates[id]! * clock.ms) / 1000, memoryWorkingSetBytes: 1 << 20 });
  const node = (): NodeStatsSample => ({ timeMs: clock.ms, cpuUsageCoreNanoSeconds: (2e9 * clock.ms) / 1000, memoryWorkingSetBytes: 1 << 30, memoryAvailableBytes: 3 << 30 });
  return {
    clock,
    reads: () => reads,
    stats: {
      listContainerStats: async () => {
        reads++;
        return Object.keys(rates).map(container);
      },
    },
    nodeUsage: async () => node(),
  };
}

const targets: StatsTarget[] = [
  { namespace: 'default', name: 'web', uid: 'u1', containers: [{ name: 'app', id: 'c1' }, { name: 'side', id: 'c2' }] },
  { namespace: 'default', name: 'pending', uid: 'u2', containers: [] },
];

test('the summary gives each container its rate and working set, pods their sums, the node its own', async () => {
  const rt = fakeRuntime({ c1: 200_000_000, c2: 50_000_000, stray: 1e9 });
  const c = new StatsCollector({ nodeName: 'n1', stats: rt.stats, nodeUsage: rt.nodeUsage, targets: () => targets, now: () => rt.clock.ms });
  const first = await c.summary();
  assert.equal(first.pods[0]!.containers[0]!.cpu!.usageNanoCores, undefined, 'no rate from one reading');
  rt.clock.ms += 10_000;
  const s = await c.summary();
  assert.equal(rt.reads(), 2);
  assert.deepEqual(s.pods.map((p) => p.podRef.name), ['web'], 'a pod with no running container is left out; a container of no pod too');
  const [app, side] = s.pods[0]!.containers;
  assert.equal(app!.cpu!.usageNanoCores, 200_000_000);
  assert.equal(app!.cpu!.usageWindowSeconds, 10);
  assert.equal(side!.cpu!.usageNanoCores, 50_000_000);
  assert.equal(app!.memory!.workingSetBytes, 1 << 20);
  assert.equal(s.pods[0]!.cpu!.usageNanoCores, 250_000_000);
  assert.equal(s.pods[0]!.memory!.workingSetBytes, 2 << 20);
  assert.equal(s.node.cpu!.usageNanoCores, 2e9);
  assert.equal(s.node.memory!.availableBytes, 3 << 30);
});

test('a summary asked again within a second reuses the reading; readings at once are shared', async () => {
  const rt = fakeRuntime({ c1: 1e8 });
  const c = new StatsCollector({ nodeName: 'n1', stats: rt.stats, nodeUsage: rt.nodeUsage, targets: () => targets, now: () => rt.clock.ms });
  await Promise.all([c.summary(), c.summary(), c.sample()]);
  assert.equal(rt.reads(), 1);
  rt.clock.ms += 500;
  await c.summary();
  assert.equal(rt.reads(), 1);
  rt.clock.ms += 600;
  await c.summary();
  assert.equal(rt.reads(), 2);
});
