import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleOfCriStats } from './cri-stats.js';

test('CRI ContainerStats to a sample: cumulative counters only, timestamps from ns to ms', () => {
  const s = sampleOfCriStats({
    attributes: { id: 'abc' },
    cpu: { timestamp: 1_700_000_000_123_000_000, usageCoreNanoSeconds: { value: 5_000_000 } },
    memory: { timestamp: 1_700_000_000_123_000_000, workingSetBytes: { value: 4096 }, usageBytes: { value: 8192 }, rssBytes: null },
  });
  assert.deepEqual(s, { containerId: 'abc', timeMs: 1_700_000_000_123, cpuUsageCoreNanoSeconds: 5_000_000, memoryWorkingSetBytes: 4096, memoryUsageBytes: 8192 });
  assert.equal(sampleOfCriStats({ attributes: { id: 'x' }, cpu: null, memory: null }), undefined, 'a container without a task has no counters');
});
