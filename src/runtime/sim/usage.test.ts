import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuRateAt, cumulativeCpuAt, usageProfile, workingSetAt } from './usage.js';
import { SimRuntime } from './sim-runtime.js';

test('simulated usage follows limits, then requests, and is the same for the same container', () => {
  const limited = usageProfile('a', { cpuQuota: 20_000, cpuPeriod: 100_000, cpuShares: 102, memoryLimitBytes: 64 << 20 });
  assert.ok(limited.baseNanoCores >= 0.08e9 && limited.baseNanoCores <= 0.12e9, `around half of 200m: ${limited.baseNanoCores}`);
  assert.ok(limited.baseWorkingSetBytes <= (64 << 20) * 0.6 && limited.baseWorkingSetBytes >= (64 << 20) * 0.3);
  const requested = usageProfile('a', { cpuShares: 512 });
  assert.ok(requested.baseNanoCores >= 0.24e9 && requested.baseNanoCores <= 0.37e9, `around 60 % of 500m: ${requested.baseNanoCores}`);
  const bare = usageProfile('b', { cpuShares: 2 });
  assert.ok(bare.baseNanoCores < 0.012e9);
  assert.deepEqual(usageProfile('a', { cpuShares: 512 }), requested);
});

test('the cumulative counter is the rate\'s integral: rates over any window agree with it', () => {
  const p = usageProfile('c', { cpuShares: 1024 });
  assert.equal(cumulativeCpuAt(p, 0), 0);
  for (const t of [1_000, 30_000, 95_000]) {
    const d = 10;
    const numeric = ((cumulativeCpuAt(p, t + d) - cumulativeCpuAt(p, t)) * 1000) / d;
    assert.ok(Math.abs(numeric - cpuRateAt(p, t)) / cpuRateAt(p, t) < 0.01, `${numeric} vs ${cpuRateAt(p, t)}`);
  }
  for (let t = 0; t < 300_000; t += 7_000) assert.ok(cumulativeCpuAt(p, t + 7_000) > cumulativeCpuAt(p, t));
  assert.equal(workingSetAt(p, 12_345) % 4096, 0);
});

test('the simulated runtime reports running containers and a node counter that never goes back', async () => {
  const rt = new SimRuntime();
  await rt.updatePodCidr('10.42.0.0/24');
  const sandbox = { name: 'p', namespace: 'default', uid: 'u', attempt: 0, hostname: 'p', labels: {}, annotations: {}, hostNetwork: false, logDirectory: '/tmp/none', portMappings: [] };
  const sb = await rt.runPodSandbox(sandbox);
  const id = await rt.createContainer(sb, { name: 'c', attempt: 0, image: 'busybox', command: ['sleep', 'infinity'], args: [], envs: [], labels: {}, annotations: {}, mounts: [], logPath: 'c.log', resources: { cpuShares: 1024 } });
  assert.deepEqual(await rt.stats.listContainerStats(), [], 'not started yet');
  await rt.startContainer(id);
  await new Promise((r) => setTimeout(r, 20));
  const [s] = await rt.stats.listContainerStats();
  assert.equal(s!.containerId, id);
  assert.ok(s!.cpuUsageCoreNanoSeconds > 0 && s!.memoryWorkingSetBytes > 0);
  const before = await rt.stats.nodeStats!();
  await rt.removePodSandbox(sb);
  const after = await rt.stats.nodeStats!();
  assert.ok(after.cpuUsageCoreNanoSeconds >= before.cpuUsageCoreNanoSeconds);
  assert.ok(after.memoryWorkingSetBytes < before.memoryWorkingSetBytes);
  await rt.close();
});
